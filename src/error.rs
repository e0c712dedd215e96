//! The crate's error type: every variant names the file or value involved,
//! what was expected and what to do next.

use std::path::PathBuf;

/// Result type of every fallible function in this crate.
pub type Result<T> = std::result::Result<T, Error>;

/// Errors of the support crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// None of the searched folders contains the four Fashion-MNIST files.
    #[error(
        "the Fashion-MNIST files were not found; searched: {}. Run `make data` in the repository to install or download them, or set FASHION_MNIST_DIR to a folder that contains them",
        searched.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
    )]
    DatasetNotFound { searched: Vec<PathBuf> },

    /// A file could not be opened, read or written.
    #[error("{action} {path} failed: {source}")]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A gzip file could not be decompressed, usually because the download stopped early.
    #[error("{path} is not a valid gzip file ({source}); the download may be incomplete or the file is not gzip data: run `make data` to fetch it again")]
    Gzip {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The first four bytes of an IDX file are not the expected magic number.
    #[error("{path} has IDX magic number {found:#010x}, expected {expected:#010x} ({kind}){}; check that the file is the right one, or run `make data` to fetch it again", describe_magic(*found))]
    BadMagic {
        path: PathBuf,
        kind: &'static str,
        expected: u32,
        found: u32,
    },

    /// The file is shorter or longer than its header describes.
    #[error("{path} holds {found} bytes but its header describes {expected} bytes; the file looks truncated or corrupt: run `make data` to fetch it again")]
    WrongLength {
        path: PathBuf,
        expected: u64,
        found: u64,
    },

    /// An images file whose images are not of the expected size.
    #[error(
        "{path} holds {found_rows}x{found_cols} images, expected {expected_rows}x{expected_cols}; Fashion-MNIST images are 28x28, so this file belongs to another dataset: read it with `load_mnist_format` and `image_size` None, or run `make data` to fetch Fashion-MNIST again"
    )]
    BadImageSize {
        path: PathBuf,
        expected_rows: usize,
        expected_cols: usize,
        found_rows: usize,
        found_cols: usize,
    },

    /// A label outside the class range.
    #[error("{path} has label {value} at index {index}, expected a value in 0..={max} (one per class name); the file is corrupt or belongs to a dataset with more classes: run `make data` to fetch it again, or pass that dataset's class names to `load_mnist_format`")]
    LabelOutOfRange {
        path: PathBuf,
        index: usize,
        value: u8,
        max: u8,
    },

    /// An images file and a labels file of one split disagree on the number of items.
    #[error("{images_path} holds {images} images but {labels_path} holds {labels} labels; the two files must belong to the same split: check the file names, or run `make data` to fetch them again")]
    CountMismatch {
        images_path: PathBuf,
        images: usize,
        labels_path: PathBuf,
        labels: usize,
    },

    /// A Fashion-MNIST file with a valid header but another number of items than the
    /// published dataset (60,000 training and 10,000 test items).
    #[error("{path} holds {found} {what}, expected {expected} for Fashion-MNIST; the file belongs to another dataset: read it with `load_mnist_format`, or run `make data` to fetch Fashion-MNIST again")]
    WrongCount {
        path: PathBuf,
        what: &'static str,
        expected: usize,
        found: usize,
    },

    /// A file's SHA-256 digest differs from the published one.
    #[error("{path} has SHA-256 {found}, expected {expected}; the file is corrupt or not the official one: delete it and run `make data`")]
    ChecksumMismatch {
        path: PathBuf,
        expected: String,
        found: String,
    },

    /// Pixel values outside [0, 1] where scaled images are required.
    #[error("{what} has pixel values up to {max}, expected values in [0, 1]; scale the images first by dividing by 255 (`scale_images`)")]
    NotScaled { what: String, max: f32 },

    /// Arrays or values of the wrong shape or size.
    #[error("{what}: expected {expected}, found {found}")]
    Shape {
        what: String,
        expected: String,
        found: String,
    },

    /// An argument outside its valid range.
    #[error("{what} is {found}, expected {expected}")]
    InvalidArgument {
        what: String,
        expected: String,
        found: String,
    },

    /// A `.npy` file could not be read.
    #[error("reading {path} failed: {source}; delete it to have it made again")]
    ReadNpy {
        path: PathBuf,
        #[source]
        source: ndarray_npy::ReadNpyError,
    },

    /// A `.npy` array (a file or an `.npz` member) whose dtype cannot be converted to the
    /// requested element type.
    #[error("{path} contains an array of dtype {found}, expected {expected}; save it with that dtype in numpy (`array.astype(numpy.{expected})`)")]
    NpyDtype {
        path: PathBuf,
        found: String,
        expected: &'static str,
    },

    /// An integer `.npy` array with a value that does not fit the requested element type.
    #[error("{path} has value {value} at flat index {index} (dtype {found}), which does not fit in {expected}; check that the file holds labels or pixels")]
    NpyValueOutOfRange {
        path: PathBuf,
        index: usize,
        value: String,
        found: String,
        expected: &'static str,
    },

    /// An `.npz` archive without the requested member.
    #[error("{path} has no array named `{name}`; available: {}", available.join(", "))]
    NpzMemberNotFound {
        path: PathBuf,
        name: String,
        available: Vec<String>,
    },

    /// An `.npz` archive could not be read.
    #[error("reading {path} failed: {source}; check that it is an `.npz` file written by numpy (`numpy.savez`) or by this crate")]
    ReadNpz {
        path: PathBuf,
        #[source]
        source: ndarray_npy::ReadNpzError,
    },

    /// An `.npz` archive could not be written.
    #[error("writing {path} failed: {source}")]
    WriteNpz {
        path: PathBuf,
        #[source]
        source: ndarray_npy::WriteNpzError,
    },

    /// A `.npy` file could not be written.
    #[error("writing {path} failed: {source}")]
    WriteNpy {
        path: PathBuf,
        #[source]
        source: ndarray_npy::WriteNpyError,
    },

    /// A weights file that does not fit the model, or cannot be read as safetensors.
    #[error("{path}: {message}")]
    Weights { path: PathBuf, message: String },

    /// The training loss became NaN or infinite.
    #[error("the training loss became {loss} in epoch {epoch}, batch {batch}; training stopped and the weights of the last good batch were kept. Lower the learning rate or check that the images are scaled to [0, 1]")]
    NonFiniteLoss {
        epoch: usize,
        batch: usize,
        loss: f32,
    },

    /// A table could not be built.
    #[error("building a table failed: {0}")]
    Table(#[from] polars::prelude::PolarsError),

    /// A figure could not be drawn.
    #[error("drawing the figure failed: {0}")]
    Plot(String),
}

impl Error {
    /// Builds an [`Error::Io`] for `path`.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// Describes an unexpected IDX magic number for the error message. Text starting with
/// `<` is usually an HTML error page saved under the data file's name. Otherwise the
/// IDX format encodes the data type in the third byte and the dimension count in the
/// fourth.
fn describe_magic(found: u32) -> String {
    let bytes = found.to_be_bytes();
    if bytes[0] == b'<' {
        return format!(
            ", which is text starting with {:?}, probably an HTML page saved in place of the data",
            String::from_utf8_lossy(&bytes)
        );
    }
    if bytes[0] != 0 || bytes[1] != 0 {
        return ", which is not an IDX file".to_string();
    }
    let data_type = match bytes[2] {
        0x08 => "unsigned byte",
        0x09 => "signed byte",
        0x0b => "16-bit integer",
        0x0c => "32-bit integer",
        0x0d => "32-bit float",
        0x0e => "64-bit float",
        _ => "unknown data type",
    };
    format!(", which means {data_type} data in {} dimensions", bytes[3])
}
