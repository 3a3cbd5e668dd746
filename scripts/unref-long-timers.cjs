// Preloaded into the Prisma CLI for `migrate deploy`: the wasm schema engine
// leaves a 10 s advisory-lock timer that would keep the process alive after
// the migration finished. Long timers are unref'd so the process exits.
const originalSetTimeout = global.setTimeout;
global.setTimeout = function (fn, ms, ...args) {
  const t = originalSetTimeout(fn, ms, ...args);
  if (typeof ms === "number" && ms >= 5000 && t && typeof t.unref === "function") t.unref();
  return t;
};
