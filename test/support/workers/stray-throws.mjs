// Loaded into a service with NODE_OPTIONS=--import, for the last-resort tests: a few seconds
// after start, throws SPEAR_TEST_THROWS errors that no handler catches.
const count = Number(process.env.SPEAR_TEST_THROWS ?? 1);
setTimeout(() => {
  for (let i = 0; i < count; i++) setImmediate(() => {
    throw new Error(`stray failure ${i + 1}`);
  });
}, 3_000).unref();
