// autocannon setupRequest (loaded in its worker thread): each connection posts to its own request, as distinct
// people answer distinct requests; the ids come from the benchmark through the environment.
const ids = (process.env.BENCH_POST_IDS || "").split(",").filter(Boolean);
let next = 0;
module.exports = function setupRequest(request, context) {
  if (!context.requestId) context.requestId = ids[next++ % ids.length];
  return { ...request, path: `/api/v1/requests/${context.requestId}/messages` };
};
