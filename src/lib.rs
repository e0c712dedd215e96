//! Support crate for the Fashion-MNIST tutorial notebooks.
//!
//! The modules follow the steps of the tutorial: [`data`] loads the IDX files,
//! [`preprocess`] scales pixels, [`model`] defines the tutorial's network and [`cnn`] a
//! convolutional one, [`train`] fits either, [`evaluate`] and [`predict`] use them, and
//! [`plot`] and [`table`] show the results.
//! Notebooks import everything they need with `use fashion_mnist::prelude::*;`.

pub mod cnn;
pub mod data;
pub mod error;
pub mod evaluate;
mod files;
pub mod model;
pub mod plot;
pub mod predict;
pub mod preprocess;
pub mod table;
pub mod train;

pub mod prelude;

pub use error::{Error, Result};
