/** ONNX model writing: the protobuf encoder, `GraphBuilder`, model builders and framework-shaped models. */
export * from './encode.js';
export { readFields, readModelInfo, type ModelInfo, type ProtoField } from './decode.js';
export { readGraph, readTensor } from './decode-graph.js';
export { GraphBuilder, type NodeOptions, type OpOptions, type MultiOpOptions, type ModelOptions } from './graph-builder.js';
export { FEATURES_KEY, KIND_KEY, type BuildOptions } from './builders/common.js';
export { appendScaler, scalerAffine, type FeatureScaler } from './builders/scaler.js';
export { appendLabel, type ClassLabelOptions } from './builders/classification.js';
export { linearRegressionModel, type LinearRegressionParams } from './builders/linear-regression.js';
export { logisticRegressionModel, type LogisticRegressionParams } from './builders/logistic-regression.js';
export { gaussianNaiveBayesModel, naiveBayesTerms, type GaussianNaiveBayesParams } from './builders/naive-bayes.js';
export {
  treeEnsembleRegressorModel,
  treeEnsembleClassifierModel,
  treeAttributes,
  type Tree,
  type TreeNode,
  type BranchMode,
  type PostTransform,
  type TreeEnsembleRegressorParams,
  type TreeEnsembleClassifierParams,
} from './builders/tree-ensemble.js';
export { kerasDenseModel, type KerasDenseLayer } from './frameworks/keras-dense.js';
export { torchGruModel, type TorchGruParams } from './frameworks/torch-gru.js';
export {
  sklearnLinearRegressionModel,
  sklearnLogisticRegressionModel,
  type SklearnStandardScaler,
  type SklearnLinearRegressionParams,
  type SklearnLogisticRegressionParams,
} from './frameworks/sklearn-linear.js';
export { xgboostClassifierModel, type XgboostClassifierParams } from './frameworks/xgboost-classifier.js';
