// The thread that holds one process's vector index (see vector-index.ts): an HNSW graph from usearch
// for finding candidates fast, and every vector at full precision for scoring them exactly. It runs
// beside the event loop, so building the graph (seconds per 100,000 vectors) never stalls requests.
//
// Messages: {id, op, ...} -> {id, result} or {id, error}.
//   init {dims}                  a new empty index of that dimension (dropping any previous one)
//   upsert {keys, vectors}       keys: BigUint64Array, vectors: Float32Array of keys.length * dims
//   remove {keys}                keys it does not hold are ignored
//   search {vector, k}           up to k nearest keys by the graph, scored exactly, best first
//   score {vector, keys}         the exact score of each key it holds, best first
//   stats {}                     {size}
'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- a worker thread's plain CommonJS entry */
const { parentPort } = require('node:worker_threads');
const { Index, MetricKind, ScalarKind } = require('usearch');

/** Graph settings, measured on 100,000 clustered 384-dimension vectors (bench/memory.ts). */
const GRAPH = { connectivity: 16, expansion_add: 64, expansion_search: 256 };

let dims = 0;
let graph = null;
/** Full-precision vectors, one slot of `dims` floats each. */
let slab = new Float32Array(0);
/** key (bigint) -> slot */
const slots = new Map();
const freeSlots = [];
/** Slots ever handed out (the free ones among them are in freeSlots). */
let usedSlots = 0;
// The graph is never asked to remove a node: usearch reuses a removed node's place for the next one
// added, and the neighbours that linked to it then link to the new vector, which can leave them
// unreachable (seen in test/integration/memory-vector-index.test.ts). So each vector is added under
// a label of its own; a label whose key was removed or given a new vector is dead, skipped in
// answers, and the graph is rebuilt from the live vectors once dead labels outnumber live ones.
/** label (bigint) -> key, for every label in the graph; key -> its live label. */
const keyOfLabel = new Map();
const labelOfKey = new Map();
let nextLabel = 1n;

function newGraph() {
  return new Index({ dimensions: dims, metric: MetricKind.IP, quantization: ScalarKind.F16, multi: false, ...GRAPH });
}

function init(d) {
  dims = d;
  graph = newGraph();
  slab = new Float32Array(0);
  slots.clear();
  freeSlots.length = 0;
  usedSlots = 0;
  keyOfLabel.clear();
  labelOfKey.clear();
}

function slotFor(key) {
  const have = slots.get(key);
  if (have !== undefined) return have;
  let slot = freeSlots.pop();
  if (slot === undefined) {
    slot = usedSlots++;
    if ((slot + 1) * dims > slab.length) {
      const grown = new Float32Array(Math.max(1024, Math.ceil((slot + 1) * 1.25)) * dims); // slack <= 25 %
      grown.set(slab);
      slab = grown;
    }
  }
  slots.set(key, slot);
  return slot;
}

function remove(keys) {
  let held = 0;
  for (const key of keys) {
    const slot = slots.get(key);
    if (slot === undefined) continue;
    slots.delete(key);
    freeSlots.push(slot);
    labelOfKey.delete(key);
    held++;
  }
  rebuildIfStale();
  return held;
}

/** Adds the vectors of `keys` (already in the slab) to the graph under new labels. */
function addToGraph(keys) {
  const labels = new BigUint64Array(keys.length);
  const vectors = new Float32Array(keys.length * dims);
  keys.forEach((key, i) => {
    const label = nextLabel++;
    labels[i] = label;
    keyOfLabel.set(label, key);
    labelOfKey.set(key, label);
    const slot = slots.get(key);
    vectors.set(slab.subarray(slot * dims, (slot + 1) * dims), i * dims);
  });
  if (keys.length > 0) graph.add(labels, vectors, 1);
}

/** Rebuilds the graph once its dead labels outnumber the live ones (beyond the first thousand). */
function rebuildIfStale() {
  if (keyOfLabel.size > 2 * Math.max(slots.size, 1000)) rebuild();
}

/** A new graph of the live vectors only. */
function rebuild() {
  graph = newGraph();
  keyOfLabel.clear();
  labelOfKey.clear();
  const keys = [...slots.keys()];
  for (let i = 0; i < keys.length; i += 10_000) addToGraph(keys.slice(i, i + 10_000));
}

function upsert(keys, vectors) {
  const added = [];
  for (let i = 0; i < keys.length; i++) {
    const slot = slotFor(keys[i]); // may grow the slab: read `slab` after it
    slab.set(vectors.subarray(i * dims, (i + 1) * dims), slot * dims);
    added.push(keys[i]);
  }
  addToGraph(added);
  rebuildIfStale();
  return slots.size;
}

function dot(vector, slot) {
  let s = 0;
  const o = slot * dims;
  for (let i = 0; i < dims; i++) s += vector[i] * slab[o + i];
  return s;
}

/** [keys, scores] of the held ones among `keys`, best first. */
function scored(vector, keys) {
  const out = [];
  for (const key of keys) {
    const slot = slots.get(key);
    if (slot !== undefined) out.push([key, dot(vector, slot)]);
  }
  out.sort((a, b) => b[1] - a[1]);
  return { keys: BigUint64Array.from(out.map((x) => x[0])), scores: Float64Array.from(out.map((x) => x[1])) };
}

function search(vector, k) {
  if (slots.size === 0) return { keys: new BigUint64Array(0), scores: new Float64Array(0) };
  // Ask for enough labels that k of them are live on average (dead ones are at most half).
  const want = Math.min(keyOfLabel.size, Math.ceil((k * keyOfLabel.size) / slots.size) + 10);
  const keys = [];
  for (const label of graph.search(vector, want, 1).keys) {
    const key = keyOfLabel.get(label);
    if (key !== undefined && labelOfKey.get(key) === label) keys.push(key);
  }
  const best = scored(vector, keys);
  return { keys: best.keys.slice(0, k), scores: best.scores.slice(0, k) };
}

const ops = {
  init: (m) => init(m.dims),
  upsert: (m) => upsert(m.keys, m.vectors),
  remove: (m) => remove(m.keys),
  search: (m) => search(m.vector, m.k),
  score: (m) => scored(m.vector, m.keys),
  stats: () => ({ size: slots.size }),
};

parentPort.on('message', (m) => {
  try {
    if (m.op !== 'init' && !graph) throw new Error('the index has no dimension yet (init first)');
    parentPort.postMessage({ id: m.id, result: ops[m.op](m) });
  } catch (err) {
    parentPort.postMessage({ id: m.id, error: err instanceof Error ? err.message : String(err) });
  }
});
