// A load generator for many-clients.mjs, run as its own process: autocannon's programmatic API, each request
// authenticating as the next of `count` clients (`${prefix}0` … `${prefix}${count - 1}`, secret "secret") in turn.
// Prints autocannon's result as JSON, like `autocannon --json`.
//
//   node load-rotating.mjs URL PREFIX COUNT CONNECTIONS DURATION
import autocannon from 'autocannon';

const [url, prefix, count, connections, duration] = process.argv.slice(2);
const auths = Array.from(
  { length: Number(count) },
  (_, i) => `Basic ${Buffer.from(`${prefix}${i}:secret`).toString('base64')}`,
);
let next = 0;
const result = await autocannon({
  url,
  connections: Number(connections),
  duration: Number(duration),
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: 'grant_type=client_credentials&scope=api1',
  requests: [
    {
      setupRequest(request) {
        const authorization = auths[next];
        next = (next + 1) % auths.length;
        return { ...request, headers: { ...request.headers, authorization } };
      },
    },
  ],
});
process.stdout.write(JSON.stringify(result));
