//! Loading the dataset: IDX files into `ndarray` arrays.
//!
//! Fashion-MNIST ships as four IDX files (the MNIST format): two images files and two
//! labels files, each optionally gzip-compressed. [`load_data`] finds and reads all four.
//! The IDX readers themselves ([`read_idx_images`], [`read_idx_labels`]) accept any
//! MNIST-format file, so the same code reads the original handwritten digits too.

use std::fs::{self, File};
use std::io::{Read, Seek};
use std::path::{Path, PathBuf};

use flate2::read::GzDecoder;
use ndarray::{Array1, Array3, ArrayView1, AsArray, Dimension};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// Magic number of an IDX labels file: unsigned bytes, one dimension (`0x00000801`).
pub const IDX_LABELS_MAGIC: u32 = 0x0000_0801;
/// Magic number of an IDX images file: unsigned bytes, three dimensions (`0x00000803`).
pub const IDX_IMAGES_MAGIC: u32 = 0x0000_0803;
/// Header length of an IDX labels file: magic and item count, 4 bytes each.
pub const IDX_LABELS_HEADER_BYTES: usize = 8;
/// Header length of an IDX images file: magic, count, rows and columns, 4 bytes each.
pub const IDX_IMAGES_HEADER_BYTES: usize = 16;
/// First two bytes of every gzip stream.
pub const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Height and width of a Fashion-MNIST image in pixels.
pub const IMAGE_SIDE: usize = 28;
/// Number of classes; labels run from 0 to 9.
pub const NUM_CLASSES: usize = 10;
/// Number of training images in Fashion-MNIST.
pub const TRAIN_COUNT: usize = 60_000;
/// Number of test images in Fashion-MNIST.
pub const TEST_COUNT: usize = 10_000;

/// Class names in label order, as in the Fashion-MNIST README and the TensorFlow tutorial.
pub const CLASS_NAMES: [&str; NUM_CLASSES] = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
];

/// File names of the four IDX files, without the optional `.gz` suffix.
pub const TRAIN_IMAGES_FILE: &str = "train-images-idx3-ubyte";
pub const TRAIN_LABELS_FILE: &str = "train-labels-idx1-ubyte";
pub const TEST_IMAGES_FILE: &str = "t10k-images-idx3-ubyte";
pub const TEST_LABELS_FILE: &str = "t10k-labels-idx1-ubyte";

/// The four IDX files with the SHA-256 of their decompressed content, as published by
/// Fashion-MNIST and measured on the Debian package `dataset-fashion-mnist`.
pub const FILE_CHECKSUMS: [(&str, &str); 4] = [
    (
        TRAIN_IMAGES_FILE,
        "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    ),
    (
        TRAIN_LABELS_FILE,
        "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    ),
    (
        TEST_IMAGES_FILE,
        "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    ),
    (
        TEST_LABELS_FILE,
        "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    ),
];

/// Environment variable naming a folder that holds the four IDX files.
pub const DATA_DIR_ENV: &str = "FASHION_MNIST_DIR";
/// Folder where the Debian/Ubuntu package `dataset-fashion-mnist` installs the files.
pub const DEBIAN_DATA_DIR: &str = "/usr/share/datasets/fashion-mnist";

/// The repository folder, found from this crate's own location at build time, so that
/// notebooks find it whatever the kernel's working directory is.
pub fn repository_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `data/` folder of the repository, where generated files (scaled arrays, weights,
/// training history) are written.
pub fn generated_dir() -> PathBuf {
    repository_dir().join("data")
}

/// The folders searched for the IDX files, in order: `$FASHION_MNIST_DIR` (when set),
/// `data/fashion-mnist/` of the repository, then [`DEBIAN_DATA_DIR`].
pub fn search_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV) {
        if !dir.is_empty() {
            dirs.push(PathBuf::from(dir));
        }
    }
    dirs.push(generated_dir().join("fashion-mnist"));
    dirs.push(PathBuf::from(DEBIAN_DATA_DIR));
    dirs
}

/// Finds `name` or `name.gz` in `dir`.
pub fn find_file(dir: &Path, name: &str) -> Option<PathBuf> {
    [name.to_string(), format!("{name}.gz")]
        .into_iter()
        .map(|file| dir.join(file))
        .find(|path| path.is_file())
}

/// Returns the first of [`search_dirs`] that holds all four IDX files.
///
/// # Errors
/// [`Error::DatasetNotFound`] listing the folders searched.
pub fn find_data_dir() -> Result<PathBuf> {
    let dirs = search_dirs();
    for dir in &dirs {
        let all_present = FILE_CHECKSUMS
            .iter()
            .all(|(name, _)| find_file(dir, name).is_some());
        if all_present {
            return Ok(dir.clone());
        }
    }
    Err(Error::DatasetNotFound { searched: dirs })
}

/// The tutorial's four arrays and the class names, as [`load_data`] returns them.
///
/// - `train_images`: `[60000, 28, 28]` `u8`, pixel values 0..=255 (0 is the background),
///   row 0 at the top; C order, so image `i` is `train_images.index_axis(Axis(0), i)`.
/// - `train_labels`: `[60000]` `u8`, values 0..=9, indices into `class_names`.
/// - `test_images`: `[10000, 28, 28]` `u8`, 0..=255.
/// - `test_labels`: `[10000]` `u8`, 0..=9.
///
/// [`load_mnist_format`] fills the same fields for any MNIST-format dataset: then the
/// counts and the image size are those in the files' headers, and labels run from 0 to
/// one less than the number of class names. Every field is public, so a changed label
/// is not checked again; [`Dataset::summary`] skips labels without a class.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub train_images: Array3<u8>,
    pub train_labels: Array1<u8>,
    pub test_images: Array3<u8>,
    pub test_labels: Array1<u8>,
    /// Class names in label order ([`CLASS_NAMES`] for Fashion-MNIST).
    pub class_names: Vec<String>,
    /// Folder the files were read from.
    pub dir: PathBuf,
}

impl Dataset {
    /// Class names as string slices, the form the plot and table functions take.
    pub fn class_names(&self) -> Vec<&str> {
        self.class_names.iter().map(String::as_str).collect()
    }

    /// Computes the counts per split and class and the pixel statistics per split.
    /// `table::class_counts_table` and `table::dataset_summary_table` show the same
    /// numbers as polars tables.
    pub fn summary(&self) -> DatasetSummary {
        let classes = self.class_names.len();
        DatasetSummary {
            train_count: self.train_labels.len(),
            test_count: self.test_labels.len(),
            train_class_counts: class_counts(self.train_labels.view(), classes),
            test_class_counts: class_counts(self.test_labels.view(), classes),
            train_pixels: pixel_stats(&self.train_images),
            test_pixels: pixel_stats(&self.test_images),
        }
    }
}

/// Counts per split and class and pixel statistics of a [`Dataset`].
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetSummary {
    /// Number of training items (60,000 for Fashion-MNIST).
    pub train_count: usize,
    /// Number of test items (10,000 for Fashion-MNIST).
    pub test_count: usize,
    /// Training images per class, in label order (6,000 each for Fashion-MNIST).
    pub train_class_counts: Vec<usize>,
    /// Test images per class, in label order (1,000 each for Fashion-MNIST).
    pub test_class_counts: Vec<usize>,
    /// Pixel statistics of all training images; `None` when there are none.
    pub train_pixels: Option<PixelStats>,
    /// Pixel statistics of all test images; `None` when there are none.
    pub test_pixels: Option<PixelStats>,
}

/// Minimum, maximum and mean of `u8` pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PixelStats {
    pub min: u8,
    pub max: u8,
    /// Mean pixel value, in 0.0..=255.0, summed exactly in integers before dividing.
    pub mean: f64,
}

/// Number of labels equal to each class `0..num_classes`. Labels `>= num_classes` are
/// not counted.
pub fn class_counts(labels: ArrayView1<u8>, num_classes: usize) -> Vec<usize> {
    let mut counts = vec![0usize; num_classes];
    for &label in labels {
        if let Some(count) = counts.get_mut(usize::from(label)) {
            *count += 1;
        }
    }
    counts
}

/// Minimum, maximum and mean of `pixels` (an image, a stack of images or any `u8`
/// array or view), or `None` for an empty array.
pub fn pixel_stats<'a, D: Dimension>(pixels: impl AsArray<'a, u8, D>) -> Option<PixelStats> {
    let pixels = pixels.into();
    if pixels.is_empty() {
        return None;
    }
    let (mut min, mut max, mut sum) = (u8::MAX, u8::MIN, 0u64);
    for &pixel in pixels.iter() {
        min = min.min(pixel);
        max = max.max(pixel);
        sum += u64::from(pixel);
    }
    Some(PixelStats {
        min,
        max,
        mean: sum as f64 / pixels.len() as f64,
    })
}

/// Loads Fashion-MNIST from the first folder of [`search_dirs`] that holds it.
///
/// # Errors
/// [`Error::DatasetNotFound`] when no folder has the files, or the errors of
/// [`load_data_from`].
pub fn load_data() -> Result<Dataset> {
    load_data_from(find_data_dir()?)
}

/// Loads Fashion-MNIST from `dir`, insisting on 28x28 images, the ten classes of
/// [`CLASS_NAMES`] and 60,000 training and 10,000 test items.
///
/// # Errors
/// The errors of [`load_mnist_format`], and [`Error::WrongCount`] when a split has
/// another number of items than Fashion-MNIST.
pub fn load_data_from(dir: impl AsRef<Path>) -> Result<Dataset> {
    let names: Vec<String> = CLASS_NAMES.iter().map(|name| name.to_string()).collect();
    let dataset = load_mnist_format(dir, &names, Some((IMAGE_SIDE, IMAGE_SIDE)))?;
    for (what, file, found, expected) in [
        (
            "training images",
            TRAIN_IMAGES_FILE,
            dataset.train_images.shape()[0],
            TRAIN_COUNT,
        ),
        (
            "test images",
            TEST_IMAGES_FILE,
            dataset.test_images.shape()[0],
            TEST_COUNT,
        ),
    ] {
        if found != expected {
            let path = find_file(&dataset.dir, file).unwrap_or_else(|| dataset.dir.join(file));
            return Err(Error::WrongCount {
                path,
                what,
                expected,
                found,
            });
        }
    }
    Ok(dataset)
}

/// Largest valid label for `class_names`: one less than their number.
///
/// # Errors
/// [`Error::InvalidArgument`] for no class names or more than 256, the number of values
/// a `u8` label holds.
pub fn max_label(class_names: &[String]) -> Result<u8> {
    match class_names.len() {
        count @ 1..=256 => Ok((count - 1) as u8),
        count => Err(Error::InvalidArgument {
            what: "number of class names".into(),
            expected: "1 to 256".into(),
            found: count.to_string(),
        }),
    }
}

/// Loads any MNIST-format dataset (the four IDX files with the standard names, each
/// gzipped or not) from `dir`, with its class names in label order. `image_size`
/// `(rows, columns)`, when given, is checked against both images files; otherwise the
/// sizes in the headers are taken, and may differ between the two splits.
///
/// The four files are read and decompressed on parallel threads.
///
/// # Errors
/// - [`Error::DatasetNotFound`] for a missing file.
/// - The errors of [`read_idx_images`] and [`read_idx_labels`].
/// - [`Error::BadImageSize`] for images of another size than `image_size`.
/// - [`Error::LabelOutOfRange`] for a label outside `0..class_names.len()`.
/// - [`Error::CountMismatch`] when the images and labels of a split differ in number.
/// - [`Error::InvalidArgument`] for no class names or more than 256.
pub fn load_mnist_format(
    dir: impl AsRef<Path>,
    class_names: &[String],
    image_size: Option<(usize, usize)>,
) -> Result<Dataset> {
    let dir = dir.as_ref().to_path_buf();
    let max_label = max_label(class_names)?;
    let locate = |name: &str| {
        find_file(&dir, name).ok_or_else(|| Error::DatasetNotFound {
            searched: vec![dir.join(name), dir.join(format!("{name}.gz"))],
        })
    };
    let paths = [
        locate(TRAIN_IMAGES_FILE)?,
        locate(TRAIN_LABELS_FILE)?,
        locate(TEST_IMAGES_FILE)?,
        locate(TEST_LABELS_FILE)?,
    ];
    // The training images take most of the time, so they get a thread of their own and
    // the three smaller files share the calling thread.
    let (train_images, rest) = std::thread::scope(|scope| {
        let train_images = scope.spawn(|| read_idx_images(&paths[0]));
        let rest = (
            read_idx_labels_max(&paths[1], max_label),
            read_idx_images(&paths[2]),
            read_idx_labels_max(&paths[3], max_label),
        );
        (join_reader(train_images, &paths[0]), rest)
    });
    let (train_labels, test_images, test_labels) = rest;
    let train = check_split(
        &paths[0],
        train_images?,
        &paths[1],
        train_labels?,
        image_size,
    )?;
    let test = check_split(&paths[2], test_images?, &paths[3], test_labels?, image_size)?;
    Ok(Dataset {
        train_images: train.0,
        train_labels: train.1,
        test_images: test.0,
        test_labels: test.1,
        class_names: class_names.to_vec(),
        dir,
    })
}

/// Waits for a reader thread. A panic inside it becomes an error instead of reaching the
/// caller.
fn join_reader<T>(handle: std::thread::ScopedJoinHandle<'_, Result<T>>, path: &Path) -> Result<T> {
    handle.join().unwrap_or_else(|_| {
        Err(Error::io(
            "reading",
            path,
            std::io::Error::other("the reading thread panicked"),
        ))
    })
}

fn check_split(
    images_path: &Path,
    images: Array3<u8>,
    labels_path: &Path,
    labels: Array1<u8>,
    image_size: Option<(usize, usize)>,
) -> Result<(Array3<u8>, Array1<u8>)> {
    if let Some((rows, cols)) = image_size {
        let (found_rows, found_cols) = (images.shape()[1], images.shape()[2]);
        if (found_rows, found_cols) != (rows, cols) {
            return Err(Error::BadImageSize {
                path: images_path.to_path_buf(),
                expected_rows: rows,
                expected_cols: cols,
                found_rows,
                found_cols,
            });
        }
    }
    if images.shape()[0] != labels.len() {
        return Err(Error::CountMismatch {
            images_path: images_path.to_path_buf(),
            images: images.shape()[0],
            labels_path: labels_path.to_path_buf(),
            labels: labels.len(),
        });
    }
    Ok((images, labels))
}

/// Reads a whole file, decompressing it when it starts with the gzip magic bytes,
/// whatever its name.
///
/// # Errors
/// [`Error::Io`] when the file cannot be read, [`Error::Gzip`] for a gzip stream that
/// is corrupt or cut short.
pub fn read_maybe_gzip(path: &Path) -> Result<Vec<u8>> {
    let raw = fs::read(path).map_err(|source| Error::io("reading", path, source))?;
    if raw.starts_with(&GZIP_MAGIC) {
        // The hint is capped so that a corrupt trailer cannot reserve gigabytes up front.
        let hint = gzip_size_hint(&raw).map_or(0, |size| size.min(raw.len() as u64 * 1032));
        let mut decoded = Vec::with_capacity(hint as usize);
        GzDecoder::new(raw.as_slice())
            .read_to_end(&mut decoded)
            .map_err(|source| Error::Gzip {
                path: path.to_path_buf(),
                source,
            })?;
        Ok(decoded)
    } else {
        Ok(raw)
    }
}

/// Decompressed size recorded in a gzip trailer: ISIZE, the last four bytes,
/// little-endian, modulo 2^32. Only a hint, since a corrupt file can hold anything there.
fn gzip_size_hint(compressed: &[u8]) -> Option<u64> {
    let trailer: [u8; 4] = compressed
        .get(compressed.len().checked_sub(4)?..)?
        .try_into()
        .ok()?;
    Some(u64::from(u32::from_le_bytes(trailer)))
}

/// The content of an IDX file after its header, with the dimension sizes from the
/// header: `[count]` or `[count, rows, cols]`. Every size is a big-endian `u32`.
struct IdxContent {
    dims: Vec<usize>,
    data: Vec<u8>,
}

/// Reads the IDX file at `path` with `magic`, whose header holds `dims` dimension sizes,
/// gzipped or not as its first two bytes tell.
///
/// The length of the content is checked against the header: a raw file's length before
/// its data is read, a gzip stream's by decompressing at most one byte more than the
/// header describes. A header with a huge count therefore never makes the reader
/// allocate more than the file's actual content.
fn read_idx(path: &Path, kind: &'static str, magic: u32, dims: usize) -> Result<IdxContent> {
    let io_error = |source| Error::io("reading", path, source);
    let mut file = File::open(path).map_err(|source| Error::io("opening", path, source))?;
    let mut start = Vec::with_capacity(GZIP_MAGIC.len());
    (&mut file)
        .take(GZIP_MAGIC.len() as u64)
        .read_to_end(&mut start)
        .map_err(io_error)?;
    file.rewind().map_err(io_error)?;
    let idx = IdxStream {
        path,
        kind,
        magic,
        dims,
    };
    if start == GZIP_MAGIC {
        let mut compressed = Vec::new();
        file.read_to_end(&mut compressed).map_err(io_error)?;
        let size_hint = gzip_size_hint(&compressed);
        let gzip_error = |source| Error::Gzip {
            path: path.to_path_buf(),
            source,
        };
        idx.read(
            GzDecoder::new(compressed.as_slice()),
            None,
            size_hint,
            gzip_error,
        )
    } else {
        let len = file
            .metadata()
            .map_err(|source| Error::io("reading metadata of", path, source))?
            .len();
        idx.read(file, Some(len), Some(len), io_error)
    }
}

/// Expected magic number and dimension count of one IDX file, for [`read_idx`].
struct IdxStream<'a> {
    path: &'a Path,
    kind: &'static str,
    magic: u32,
    dims: usize,
}

impl IdxStream<'_> {
    /// Reads header and data from `reader`. `exact_len` is the known total length (a raw
    /// file), `size_hint` a length to reserve when it matches the header.
    fn read(
        &self,
        mut reader: impl Read,
        exact_len: Option<u64>,
        size_hint: Option<u64>,
        map_error: impl Fn(std::io::Error) -> Error,
    ) -> Result<IdxContent> {
        let header_bytes = 4 + 4 * self.dims as u64;
        let mut header = Vec::with_capacity(header_bytes as usize);
        (&mut reader)
            .take(header_bytes)
            .read_to_end(&mut header)
            .map_err(&map_error)?;
        let (dims, expected) = self.parse_header(&header)?;
        let wrong_length = |found| Error::WrongLength {
            path: self.path.to_path_buf(),
            expected,
            found,
        };
        if let Some(found) = exact_len.filter(|&len| len != expected) {
            return Err(wrong_length(found));
        }
        let data_len = expected - header_bytes;
        let capacity = match size_hint {
            Some(size) if size == expected => data_len as usize,
            _ => 0,
        };
        let mut data = Vec::with_capacity(capacity);
        (&mut reader)
            .take(data_len.saturating_add(1))
            .read_to_end(&mut data)
            .map_err(&map_error)?;
        if data.len() as u64 != data_len {
            // Count the rest of an over-long stream, without storing it, for the message.
            let rest = std::io::copy(&mut reader, &mut std::io::sink()).map_err(&map_error)?;
            return Err(wrong_length(header_bytes + data.len() as u64 + rest));
        }
        Ok(IdxContent { dims, data })
    }

    /// Checks the magic number and returns the dimension sizes of an IDX header with the
    /// total file length they describe (saturating at `u64::MAX`).
    fn parse_header(&self, header: &[u8]) -> Result<(Vec<usize>, u64)> {
        let header_bytes = 4 + 4 * self.dims as u64;
        let be_u32 = |offset: usize| -> Option<u32> {
            Some(u32::from_be_bytes(
                header.get(offset..offset + 4)?.try_into().ok()?,
            ))
        };
        let too_short = || Error::WrongLength {
            path: self.path.to_path_buf(),
            expected: header_bytes,
            found: header.len() as u64,
        };
        let found = be_u32(0).ok_or_else(too_short)?;
        if found != self.magic {
            return Err(Error::BadMagic {
                path: self.path.to_path_buf(),
                kind: self.kind,
                expected: self.magic,
                found,
            });
        }
        let sizes = (0..self.dims)
            .map(|dim| be_u32(4 + 4 * dim).map(|size| size as usize))
            .collect::<Option<Vec<usize>>>()
            .ok_or_else(too_short)?;
        let expected = sizes
            .iter()
            .try_fold(1u64, |total, &size| total.checked_mul(size as u64))
            .and_then(|items| items.checked_add(header_bytes))
            .unwrap_or(u64::MAX);
        Ok((sizes, expected))
    }
}

/// Reads an IDX images file (magic [`IDX_IMAGES_MAGIC`], gzipped or not) into a
/// `[count, rows, cols]` `u8` array, with count, rows and columns taken from the header.
/// Pixels are 0..=255, row 0 at the top, as stored in the file.
///
/// # Errors
/// [`Error::BadMagic`] for a file that is not an images file, [`Error::WrongLength`]
/// when the length differs from the header's (a truncated or over-long file),
/// [`Error::Gzip`], [`Error::Io`]. No array is returned for a file that fails a check.
pub fn read_idx_images(path: impl AsRef<Path>) -> Result<Array3<u8>> {
    let path = path.as_ref();
    let content = read_idx(path, "images, 3 dimensions", IDX_IMAGES_MAGIC, 3)?;
    let (count, rows, cols) = (content.dims[0], content.dims[1], content.dims[2]);
    Array3::from_shape_vec((count, rows, cols), content.data).map_err(|err| Error::Shape {
        what: format!("images in {}", path.display()),
        expected: format!("{count}x{rows}x{cols} pixels"),
        found: err.to_string(),
    })
}

/// Reads an IDX labels file (magic [`IDX_LABELS_MAGIC`], gzipped or not) into a
/// `[count]` `u8` array, checking that every label is below [`NUM_CLASSES`]. For other
/// MNIST-format datasets, [`load_mnist_format`] checks against their own class count.
///
/// # Errors
/// [`Error::LabelOutOfRange`] with the first label above 9 and its index, and the
/// errors of [`read_idx_images`].
pub fn read_idx_labels(path: impl AsRef<Path>) -> Result<Array1<u8>> {
    read_idx_labels_max(path.as_ref(), (NUM_CLASSES - 1) as u8)
}

fn read_idx_labels_max(path: &Path, max_label: u8) -> Result<Array1<u8>> {
    let labels = read_idx(path, "labels, 1 dimension", IDX_LABELS_MAGIC, 1)?.data;
    if let Some((index, &value)) = labels
        .iter()
        .enumerate()
        .find(|(_, &value)| value > max_label)
    {
        return Err(Error::LabelOutOfRange {
            path: path.to_path_buf(),
            index,
            value,
            max: max_label,
        });
    }
    Ok(Array1::from(labels))
}

/// Checks the SHA-256 of the decompressed content of the four files in `dir` against
/// [`FILE_CHECKSUMS`]. Loading does not hash; `make data` runs this check.
///
/// # Errors
/// [`Error::ChecksumMismatch`] naming the first file that differs, or a missing file.
pub fn verify_checksums(dir: impl AsRef<Path>) -> Result<()> {
    let dir = dir.as_ref();
    for (name, expected) in FILE_CHECKSUMS {
        let path = find_file(dir, name).ok_or_else(|| Error::DatasetNotFound {
            searched: vec![dir.join(name), dir.join(format!("{name}.gz"))],
        })?;
        let found = sha256_hex(&read_maybe_gzip(&path)?);
        if found != expected {
            return Err(Error::ChecksumMismatch {
                path,
                expected: expected.to_string(),
                found,
            });
        }
    }
    Ok(())
}

/// Hex-encoded SHA-256 digest of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Formats an array shape the way numpy prints it: `(60000, 28, 28)`, `(60000,)`.
pub fn numpy_shape(shape: &[usize]) -> String {
    match shape {
        [single] => format!("({single},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}
