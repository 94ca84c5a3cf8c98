/**
 * The layer rules of docs/architecture.md ("Layers"), checked by dependency-cruiser on every
 * `npm test` (`npm run check:layers`, run by `pretest`). One rule per folder says which folders it
 * may import; `no-circular` forbids import cycles. Type-only imports count: a type is a dependency
 * too. When a rule has to change, change the table in docs/architecture.md with it.
 */

/** A rule: modules under `src/<folder>/` may import from `src/` only their own folder and `mayImport`. */
function layer(folder, mayImport, comment, fromPathNot) {
  return {
    name: `${folder.replace('/', '-')}-imports`,
    severity: 'error',
    comment: `src/${folder}/ may import only ${mayImport.length ? mayImport.map((f) => `${f}/`).join(', ') : 'nothing else in src/'}: ${comment}`,
    from: { path: `^src/${folder}/`, ...(fromPathNot ? { pathNot: fromPathNot } : {}) },
    to: { path: '^src/', pathNot: [`^src/${folder}/`, ...mayImport.map((f) => `^src/${f}/`)] },
  };
}

// The transform factories that PCollection's fluent methods (.map, .filter, .combinePerKey, …) call.
const FLUENT_TRANSFORMS = '^src/transforms/(element-wise|combine|flatten|group-by-key|par-do|partition|windowing|with-keys)[.]ts$';

// The library folders a job is written with (the demo's whole reach; the CLI adds the commands' own).
const LIBRARY = [
  'common',
  'core',
  'transforms',
  'runner',
  'store',
  'io',
  'kernels',
  'features',
  'ml/onnx',
  'ml/infer',
  'ml/train',
  'ml/evaluate',
  'ml/lifecycle',
  'sync',
  'config',
  'observe',
];

// Cycles allowed because they lie wholly inside one of these groups:
const ALLOWED_CYCLES = [
  // The graph-building model refers to itself (a Pipeline makes PCollections, a PCollection
  // belongs to its Pipeline, a PTransform expands in a Pipeline into GraphNodes of PCollections),
  // and PCollection's fluent methods call the transform factories, which build PTransforms on
  // PCollections — as in Beam's TypeScript SDK (pvalue.ts imports its transforms).
  '^src/core/(pipeline|pcollection|ptransform|graph)[.]ts$',
  FLUENT_TRANSFORMS,
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle ties its modules into one unit that cannot be understood, tested or moved apart. Cut it: move the shared piece to the lower layer, or pass it in.',
      from: { path: '^src/' },
      // A cycle is reported unless every module in it belongs to ALLOWED_CYCLES.
      to: { circular: true, via: { pathNot: ALLOWED_CYCLES.join('|') } },
    },
    {
      name: 'src-not-to-tests',
      severity: 'error',
      comment: 'Library code must not import tests, benchmarks, examples or scripts.',
      from: { path: '^src/' },
      to: { path: '^(test|bench|examples|scripts)/' },
    },
    layer('common', [], 'the leaf (errors, the seeded PRNG) that every folder may import'),
    layer('core', ['common'], 'the pipeline model depends on nothing (core/pcollection.ts may also call the fluent transform factories)', '^src/core/pcollection[.]ts$'),
    {
      name: 'core-pcollection-imports',
      severity: 'error',
      comment: 'core/pcollection.ts may import, outside core/ and common/, only the transform factories its fluent methods call.',
      from: { path: '^src/core/pcollection[.]ts$' },
      to: { path: '^src/', pathNot: ['^src/(core|common)/', FLUENT_TRANSFORMS] },
    },
    layer('transforms', ['core', 'common'], 'transforms build on the model only'),
    layer('store', ['common'], 'the SQLite database knows nothing of pipelines; others hand it rows'),
    layer('runner', ['core', 'store', 'common'], 'the runner executes the model and commits to the store'),
    layer('io', ['core', 'transforms', 'store', 'common'], 'sources and sinks are transforms; MQTT ingest writes to the store'),
    layer('kernels', ['common'], 'the WASM kernels and their memory; they know no pipeline'),
    layer('features', ['core', 'transforms', 'kernels', 'common'], 'feature transforms on the kernels'),
    layer('ml/onnx', ['common'], 'the ONNX writer and reader stand alone'),
    layer('ml/infer', ['core', 'transforms', 'kernels', 'ml/onnx', 'common'], 'inference transforms on onnxruntime-web and the kernels'),
    layer('ml/train', ['kernels', 'ml/onnx', 'common'], 'trainers fit frames with the kernels and export ONNX; no pipeline, no inference'),
    layer('ml/evaluate', ['ml/train', 'kernels', 'common'], 'evaluation runs trainers; trainers do not import evaluation'),
    layer('ml/testing', ['ml/onnx', 'common'], 'random ONNX models for tests'),
    layer(
      'ml/lifecycle',
      ['core', 'store', 'kernels', 'ml/infer', 'ml/train', 'ml/evaluate', 'sync', 'common'],
      'the learning loop: samples into the store, fits with the trainers, serves through ml/infer, pushes to a registry',
    ),
    layer('sync', ['store', 'core', 'common'], 'the model registry moves files and manifests; its sync queue is a store table, on a core Clock'),
    layer('ml/fleet', ['ml/train', 'ml/onnx', 'sync', 'common'], 'fleet learning: device statistics through the registry, merged and fitted by the trainers'),
    layer('config', ['ml/infer', 'common'], 'device profiles, and what they mean for inference'),
    layer('deploy', ['config', 'common'], 'what goes onto a device: the service unit, rendered from a profile'),
    layer(
      'yaml',
      ['core', 'transforms', 'io', 'runner', 'store', 'features', 'ml/onnx', 'ml/infer', 'ml/train', 'ml/lifecycle', 'sync', 'common'],
      'Beam YAML pipeline files become the same transforms a TypeScript pipeline uses (feature steps and RunInference included, its model from a file or a registry; WriteSamples and the learning loops of options.runnel_models with the trainers)',
    ),
    layer(
      'observe',
      ['common', 'core', 'runner', 'store', 'io'],
      'metrics and health of a running job read the runner, the store and the ingest; nothing imports them but the CLI',
    ),
    layer('testing', ['core', 'transforms', 'runner', 'io', 'store', 'common'], 'the test helpers shipped as runnel/testing'),
    layer('demo', LIBRARY, 'the demo job uses the library, not the CLI or the test helpers'),
    layer('cli', [...LIBRARY, 'ml/fleet', 'deploy', 'yaml', 'demo'], 'the command uses everything but the test helpers'),
    {
      name: 'index-imports',
      severity: 'error',
      comment: 'The public barrel exports the library, not the demo, the CLI or the test helpers (runnel/testing has its own).',
      from: { path: '^src/index[.]ts$' },
      to: { path: '^src/(demo|cli|testing)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
