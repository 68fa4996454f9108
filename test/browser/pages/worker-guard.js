// Imported first by worker.js, so it runs before the SDK's module: records every call to
// URL.createObjectURL (a bundle must not need blob: URLs, which strict CSPs forbid).
globalThis.blobUrlCalls = [];
const original = URL.createObjectURL?.bind(URL);
URL.createObjectURL = (obj) => {
  globalThis.blobUrlCalls.push(String(obj?.constructor?.name ?? typeof obj));
  return original(obj);
};
