/**
 * How the service's Node.js process is started, in `npm start`, the Dockerfile and every bench
 * that runs the service in its own process (a test checks the three agree).
 *
 * `--max-semi-space-size=32` (MB, V8's default is 16 on 64-bit): a pre-order import and a burst
 * of distinct estimates allocate many short-lived objects; with a young generation twice as large,
 * fewer of them survive into the old generation, so the heap (and RSS) grows far less during a
 * million-row import and scavenges run less often.
 */
export const SERVICE_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=32'];
