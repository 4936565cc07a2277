"""A second gRPC implementation calling the service from the proto files
alone: Python's grpcio from Debian, with message classes that protoc
generates at run time. It prints one JSON object describing what it saw,
for the vitest file beside it to check. Values are printed only as their
lengths and a boolean match, so a failure never shows a secret.

Usage: python_peer.py PROTO_DIR ADDR CA_FILE ADMIN_TOKEN_FILE AGENT_TOKEN_FILE
Environment: PEER_VALUE_FILE holds the value to create.
"""

import importlib
import json
import os
import subprocess
import sys
import tempfile

import grpc


def generate_messages(proto_dir, out_dir):
    subprocess.run(
        [
            "protoc",
            f"-I{proto_dir}",
            f"--python_out={out_dir}",
            "algorithm_secrets/v1/secrets.proto",
        ],
        check=True,
    )
    # The health proto is compiled from its own folder so that its module
    # is `health_pb2`: under its usual path it would be `grpc.health...`,
    # which the grpc package itself shadows.
    health_dir = os.path.join(proto_dir, "grpc", "health", "v1")
    subprocess.run(
        ["protoc", f"-I{health_dir}", f"--python_out={out_dir}", "health.proto"],
        check=True,
    )
    sys.path.insert(0, out_dir)
    secrets = importlib.import_module("algorithm_secrets.v1.secrets_pb2")
    health = importlib.import_module("health_pb2")
    return secrets, health


def unary(channel, method, request, response_class, token):
    call = channel.unary_unary(
        method,
        request_serializer=lambda message: message.SerializeToString(),
        response_deserializer=response_class.FromString,
    )
    metadata = [("authorization", f"Bearer {token}")] if token else None
    return call(request, metadata=metadata, timeout=10)


def first_stream_message(channel, method, request, response_class, token):
    call = channel.unary_stream(
        method,
        request_serializer=lambda message: message.SerializeToString(),
        response_deserializer=response_class.FromString,
    )
    stream = call(
        request, metadata=[("authorization", f"Bearer {token}")], timeout=10
    )
    for message in stream:
        stream.cancel()
        return message
    return None


def read(path):
    with open(path, "rb") as handle:
        return handle.read()


def main():
    proto_dir, addr, ca_file, admin_file, agent_file = sys.argv[1:6]
    value = read(os.environ["PEER_VALUE_FILE"])
    admin_token = read(admin_file).decode().strip()
    agent_token = read(agent_file).decode().strip()

    with tempfile.TemporaryDirectory() as out_dir:
        pb, health_pb = generate_messages(proto_dir, out_dir)
        credentials = grpc.ssl_channel_credentials(read(ca_file))
        channel = grpc.secure_channel(addr, credentials)
        admin = "/algorithm_secrets.v1.SecretAdmin/"
        delivery = "/algorithm_secrets.v1.SecretDelivery/"
        report = {}

        created = unary(
            channel,
            admin + "CreateSecret",
            pb.CreateSecretRequest(
                algorithm="py/peer",
                env_name="PEER_SECRET",
                display_name="From Python",
                value=value,
            ),
            pb.SecretMetadata,
            admin_token,
        )
        report["created"] = {
            "env_name": created.env_name,
            "version": created.version,
            "revision": created.revision,
        }

        listed = unary(
            channel,
            admin + "ListSecrets",
            pb.ListSecretsRequest(algorithm="py/peer"),
            pb.ListSecretsResponse,
            admin_token,
        )
        report["listed"] = [s.env_name for s in listed.secrets]
        report["list_bytes_have_value"] = value in listed.SerializeToString()

        snapshot = unary(
            channel,
            delivery + "GetSnapshot",
            pb.GetSnapshotRequest(known_revision=0),
            pb.GetSnapshotResponse,
            agent_token,
        )
        delivered = {s.env_name: s.value for s in snapshot.snapshot.secrets}
        report["snapshot_revision"] = snapshot.snapshot.revision
        report["snapshot_value_matches"] = delivered.get("PEER_SECRET") == value

        unchanged = unary(
            channel,
            delivery + "GetSnapshot",
            pb.GetSnapshotRequest(known_revision=snapshot.snapshot.revision),
            pb.GetSnapshotResponse,
            agent_token,
        )
        report["unchanged_kind"] = unchanged.WhichOneof("result")

        event = first_stream_message(
            channel,
            delivery + "WatchSnapshots",
            pb.WatchSnapshotsRequest(known_revision=0),
            pb.WatchEvent,
            agent_token,
        )
        report["watch_first_kind"] = event.WhichOneof("event")
        report["watch_value_matches"] = any(
            s.value == value for s in event.snapshot.secrets
        )

        try:
            unary(
                channel,
                admin + "ListSecrets",
                pb.ListSecretsRequest(algorithm="py/peer"),
                pb.ListSecretsResponse,
                agent_token,
            )
            report["agent_on_admin"] = "OK"
        except grpc.RpcError as error:
            report["agent_on_admin"] = error.code().name

        health = unary(
            channel,
            "/grpc.health.v1.Health/Check",
            health_pb.HealthCheckRequest(service=""),
            health_pb.HealthCheckResponse,
            None,
        )
        report["health"] = health_pb.HealthCheckResponse.ServingStatus.Name(
            health.status
        )
        channel.close()

    print(json.dumps(report))


if __name__ == "__main__":
    main()
