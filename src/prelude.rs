//! Everything the notebooks use, in one import: `use fashion_mnist::prelude::*;`.
//!
//! Besides this crate's items, it re-exports the exact `dfdx`, `ndarray`, `polars` and
//! `plotters` this crate was built with, so a notebook never meets two versions of one
//! type.

pub use crate::cnn::Cnn;
pub use crate::data::{
    class_counts, find_data_dir, generated_dir, load_data, load_data_from, load_mnist_format,
    numpy_shape, pixel_stats, read_idx_images, read_idx_labels, verify_checksums, Dataset,
    DatasetSummary, PixelStats, CLASS_NAMES, IMAGE_SIDE, NUM_CLASSES,
};
pub use crate::error::Error;
pub use crate::evaluate::{confusion_counts, evaluate, predicted_classes, Evaluation};
pub use crate::model::{Classifier, LayerInfo, Mlp, MlpArchitecture, Model, HIDDEN_UNITS, PIXELS};
pub use crate::plot::{
    class_mean_images, confidence_bars, confident_mistakes, confusion_matrix, image_grid,
    image_with_colorbar, pixel_histogram, prediction_grid, prediction_panel, training_curves,
    tutorial_image_grid, tutorial_prediction_grid, Figure, Pixel, GRID_COLUMNS, GRID_COUNT,
    PREDICTION_GRID_COLUMNS, PREDICTION_GRID_COUNT,
};
pub use crate::predict::{argmax, predict, predict_image, softmax};
pub use crate::preprocess::{
    check_scaled, load_dataset_npz, load_npy, load_npz, load_or_make_scaled, load_scaled,
    npz_names, pixel_range, save_dataset_npz, save_npy, save_scaled, scale_images, Scaled,
    MAX_PIXEL,
};
pub use crate::table::{
    array_summary_table, class_counts_table, class_names_table, dataset_summary_table,
    history_table, layer_table, per_class_table, predictions_table, ArraySummary, ColumnData,
    Table,
};
pub use crate::train::{
    load_history, load_or_train, save_training, train, EpochStats, History, TrainConfig,
};

pub use dfdx;
// The dfdx names notebook 3 needs to write out one training step by hand. Named one by
// one, because `dfdx::prelude::*` would also bring in names that ndarray uses, such as `Axis`.
pub use dfdx::losses::cross_entropy_with_logits_loss;
pub use dfdx::nn::{DeviceBuildExt, Module, ModuleMut, ZeroGrads};
pub use dfdx::optim::{Adam, AdamConfig, Optimizer};
pub use dfdx::shapes::Const;
pub use dfdx::tensor::{AsArray, Cpu, Tensor, TensorFromVec, Trace};
pub use dfdx::tensor_ops::Backward;
pub use ndarray;
pub use ndarray::{Array1, Array2, Array3, ArrayView1, ArrayView2, ArrayView3, Axis};
pub use plotters;
pub use polars;
pub use polars::prelude::DataFrame;
