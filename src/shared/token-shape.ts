/**
 * Shape check only: three base64url parts, as every JWT has. A client
 * reading a token file checks it to name the file when it holds something
 * else (a certificate, two tokens); the service verifies the rest. Kept
 * apart from tokens.ts so the agent does not load jose's signing code.
 */
export function isTokenShaped(text: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(text);
}
