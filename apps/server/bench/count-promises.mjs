// Preloaded into a server by promises.mjs (node --import): counts the promises created and the HTTP requests received
// between two SIGUSR2 signals, and writes them as JSON to $IDSRV_BENCH_PROMISES_FILE on the second.
import { createHook } from 'node:async_hooks';
import { writeFileSync } from 'node:fs';
import http from 'node:http';

let counting = false;
let promises = 0;
let requests = 0;
createHook({
  init(_id, type) {
    if (counting && type === 'PROMISE') promises++;
  },
}).enable();
// Every server's requests, whoever creates the server: counted where node:http dispatches them.
const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function countRequests(event, ...args) {
  if (counting && event === 'request') requests++;
  return emit.call(this, event, ...args);
};
process.on('SIGUSR2', () => {
  if (!counting) {
    promises = 0;
    requests = 0;
    counting = true;
    return;
  }
  counting = false;
  writeFileSync(process.env.IDSRV_BENCH_PROMISES_FILE, JSON.stringify({ promises, requests }));
});
