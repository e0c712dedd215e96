//! Tables: class names and counts, array summaries, per-class metrics, predictions and
//! the training history.
//!
//! A [`Table`] wraps a polars [`DataFrame`]. As the last expression of an evcxr cell it
//! shows as an HTML table, and `println!("{table}")` prints it as text. Both show every row
//! of a table with at most [`MAX_FULL_ROWS`] rows, and otherwise the first and last
//! [`END_ROWS`] rows with the total row count.

use std::fmt;
use std::io::Write;

use ndarray::{ArrayView2, AsArray, Dimension};
use polars::prelude::{AnyValue, Column, DataFrame};

use crate::plot::{check_label, check_label_count, owned_class_names};
use crate::train::History;
use crate::{Error, Result};

/// Largest number of rows a table shows in full.
pub const MAX_FULL_ROWS: usize = 50;
/// Number of rows shown at each end of a longer table.
pub const END_ROWS: usize = 5;

/// A table of named columns of equal length.
#[derive(Debug, Clone)]
pub struct Table {
    df: DataFrame,
}

/// The values of one table column, where `None` values are nulls.
///
/// Build it with `.into()` from a `Vec` of strings, integers, floats or bools, or of
/// `Option`s of them. `u8`, `u32` and `usize` values are stored as `u64`, `i32` values as `i64`.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnData {
    Str(Vec<Option<String>>),
    I64(Vec<Option<i64>>),
    U64(Vec<Option<u64>>),
    F32(Vec<Option<f32>>),
    F64(Vec<Option<f64>>),
    Bool(Vec<Option<bool>>),
}

impl ColumnData {
    /// Returns the number of values.
    pub fn len(&self) -> usize {
        match self {
            ColumnData::Str(values) => values.len(),
            ColumnData::I64(values) => values.len(),
            ColumnData::U64(values) => values.len(),
            ColumnData::F32(values) => values.len(),
            ColumnData::F64(values) => values.len(),
            ColumnData::Bool(values) => values.len(),
        }
    }

    /// Returns true when the column has no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn into_column(self, name: &str) -> Column {
        let name = name.into();
        match self {
            ColumnData::Str(values) => Column::new(name, values),
            ColumnData::I64(values) => Column::new(name, values),
            ColumnData::U64(values) => Column::new(name, values),
            ColumnData::F32(values) => Column::new(name, values),
            ColumnData::F64(values) => Column::new(name, values),
            ColumnData::Bool(values) => Column::new(name, values),
        }
    }
}

/// Implements `From<Vec<T>>` and `From<Vec<Option<T>>>` for [`ColumnData`], converting each value.
macro_rules! column_data_from {
    ($variant:ident, $stored:ty, $($value:ty),+) => {
        $(
            impl From<Vec<$value>> for ColumnData {
                fn from(values: Vec<$value>) -> Self {
                    ColumnData::$variant(values.into_iter().map(|value| Some(<$stored>::from(value))).collect())
                }
            }

            impl From<Vec<Option<$value>>> for ColumnData {
                fn from(values: Vec<Option<$value>>) -> Self {
                    ColumnData::$variant(values.into_iter().map(|value| value.map(<$stored>::from)).collect())
                }
            }
        )+
    };
}

column_data_from!(Str, String, String, &str);
column_data_from!(I64, i64, i64, i32);
column_data_from!(U64, u64, u64, u32, u8);
column_data_from!(F32, f32, f32);
column_data_from!(F64, f64, f64);
column_data_from!(Bool, bool, bool);

impl From<Vec<usize>> for ColumnData {
    fn from(values: Vec<usize>) -> Self {
        ColumnData::U64(values.into_iter().map(|value| Some(value as u64)).collect())
    }
}

impl Table {
    /// Builds a table from `(name, values)` pairs, in order.
    ///
    /// ```
    /// use fashion_mnist::table::Table;
    /// let table = Table::from_columns(vec![
    ///     ("class", vec!["T-shirt/top", "Trouser"].into()),
    ///     ("count", vec![6000u64, 6000].into()),
    /// ])?;
    /// assert_eq!(table.df().shape(), (2, 2));
    /// # Ok::<(), fashion_mnist::Error>(())
    /// ```
    ///
    /// # Errors
    /// - [`Error::Shape`] naming the first column and the first column of another length,
    ///   with both lengths.
    /// - [`Error::Table`] when polars rejects the columns, for example for a repeated name.
    pub fn from_columns<S: AsRef<str>>(columns: Vec<(S, ColumnData)>) -> Result<Table> {
        if let Some((first_name, first_values)) = columns.first() {
            let first_length = first_values.len();
            if let Some((name, values)) = columns
                .iter()
                .find(|(_, values)| values.len() != first_length)
            {
                return Err(Error::Shape {
                    what: format!("column \"{}\"", name.as_ref()),
                    expected: format!(
                        "{first_length} values, as many as column \"{}\"",
                        first_name.as_ref()
                    ),
                    found: format!("{} values", values.len()),
                });
            }
        }
        let columns = columns
            .into_iter()
            .map(|(name, values)| values.into_column(name.as_ref()))
            .collect();
        Ok(Table {
            df: DataFrame::new_infer_height(columns)?,
        })
    }

    /// Returns the table's DataFrame.
    pub fn df(&self) -> &DataFrame {
        &self.df
    }

    /// Returns the DataFrame, consuming the table.
    pub fn into_inner(self) -> DataFrame {
        self.df
    }

    /// Returns the number of rows.
    pub fn height(&self) -> usize {
        self.df.height()
    }

    /// Keeps the rows whose `correct` column is false: the mistakes of a [`predictions_table`].
    ///
    /// # Errors
    /// [`Error::Table`] when the table has no boolean `correct` column.
    pub fn mistakes(&self) -> Result<Table> {
        let correct = self.df.column("correct")?.bool()?;
        let wrong = !correct;
        Ok(Table {
            df: self.df.filter(&wrong)?,
        })
    }

    /// Renders the table as an HTML `<table>` with a header row, followed by its size.
    pub fn to_html(&self) -> String {
        let cells = self.shown_cells();
        let mut html = String::from("<table class=\"dataframe\">\n<thead>\n<tr>");
        for name in self.df.get_column_names() {
            html.push_str(&format!("<th>{}</th>", escape_html(name.as_str())));
        }
        html.push_str("</tr>\n</thead>\n<tbody>\n");
        for row in &cells {
            html.push_str("<tr>");
            for cell in row {
                html.push_str(&format!("<td>{}</td>", escape_html(cell)));
            }
            html.push_str("</tr>\n");
        }
        html.push_str("</tbody>\n</table>\n");
        html.push_str(&format!("<p>{}</p>\n", self.size_note()));
        html
    }

    /// Shows the table in an evcxr notebook as HTML.
    ///
    /// evcxr calls this method for the last expression of a cell. It prints
    /// [`Table::evcxr_message`] in one write, so no other output can split the message.
    pub fn evcxr_display(&self) {
        let message = self.evcxr_message();
        let mut stdout = std::io::stdout().lock();
        // With stdout closed there is nowhere to show the table, so write errors are ignored.
        let _ = stdout.write_all(message.as_bytes());
        let _ = stdout.flush();
    }

    /// Returns the message [`Table::evcxr_display`] prints: [`Table::to_html`] between
    /// evcxr's `EVCXR_BEGIN_CONTENT text/html` and `EVCXR_END_CONTENT` lines.
    pub fn evcxr_message(&self) -> String {
        format!(
            "EVCXR_BEGIN_CONTENT text/html\n{}EVCXR_END_CONTENT\n",
            self.to_html()
        )
    }

    /// Returns the text of the rows to show: all rows, or the first and last [`END_ROWS`]
    /// with a row of "…" between them.
    fn shown_cells(&self) -> Vec<Vec<String>> {
        let height = self.df.height();
        let row_text = |row: usize| -> Vec<String> {
            self.df
                .columns()
                .iter()
                .map(|column| match column.get(row) {
                    Ok(value) => format_value(&value),
                    Err(error) => format!("<{error}>"),
                })
                .collect()
        };
        if height <= MAX_FULL_ROWS {
            return (0..height).map(row_text).collect();
        }
        let mut rows: Vec<Vec<String>> = (0..END_ROWS).map(row_text).collect();
        rows.push(vec!["…".to_string(); self.df.width()]);
        rows.extend((height - END_ROWS..height).map(row_text));
        rows
    }

    /// Describes the table's size, and which rows are shown when some are left out.
    fn size_note(&self) -> String {
        let (height, width) = self.df.shape();
        let rows = if height == 1 { "row" } else { "rows" };
        let columns = if width == 1 { "column" } else { "columns" };
        if height > MAX_FULL_ROWS {
            format!("{height} {rows} × {width} {columns} (first {END_ROWS} and last {END_ROWS} rows shown)")
        } else {
            format!("{height} {rows} × {width} {columns}")
        }
    }
}

impl From<DataFrame> for Table {
    fn from(df: DataFrame) -> Self {
        Table { df }
    }
}

/// Formats the table as aligned text: text columns left-aligned, others right-aligned,
/// with the same rows as [`Table::to_html`].
impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header: Vec<String> = self
            .df
            .get_column_names()
            .iter()
            .map(|name| name.to_string())
            .collect();
        let cells = self.shown_cells();
        let widths: Vec<usize> = (0..header.len())
            .map(|column| {
                cells
                    .iter()
                    .map(|row| row[column].chars().count())
                    .chain([header[column].chars().count()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let left_aligned: Vec<bool> = self
            .df
            .columns()
            .iter()
            .map(|column| column.dtype().is_string())
            .collect();
        let write_row = |f: &mut fmt::Formatter<'_>, row: &[String]| -> fmt::Result {
            let mut line = String::new();
            for (column, text) in row.iter().enumerate() {
                if column > 0 {
                    line.push_str("  ");
                }
                let padding = " ".repeat(widths[column].saturating_sub(text.chars().count()));
                if left_aligned[column] {
                    line.push_str(text);
                    line.push_str(&padding);
                } else {
                    line.push_str(&padding);
                    line.push_str(text);
                }
            }
            writeln!(f, "{}", line.trim_end())
        };
        write_row(f, &header)?;
        let rule: Vec<String> = widths.iter().map(|&width| "-".repeat(width)).collect();
        write_row(f, &rule)?;
        for row in &cells {
            write_row(f, row)?;
        }
        write!(f, "{}", self.size_note())
    }
}

/// Formats one value: floats with 4 decimals (1 from 100 up), nulls as "null".
fn format_value(value: &AnyValue) -> String {
    if let Some(text) = value.get_str() {
        return text.to_string();
    }
    let format_float = |value: f64| {
        if value.abs() >= 100.0 {
            format!("{value:.1}")
        } else {
            format!("{value:.4}")
        }
    };
    match value {
        AnyValue::Float32(value) => format_float(f64::from(*value)),
        AnyValue::Float64(value) => format_float(*value),
        other => other.to_string(),
    }
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

// ---------------------------------------------------------------------------------------------
// Tables of the tutorial
// ---------------------------------------------------------------------------------------------

/// Lists the class names with their label: columns `label` (u64) and `class`.
///
/// # Errors
/// [`Error::InvalidArgument`] for an empty `class_names`.
pub fn class_names_table<S: AsRef<str>>(class_names: &[S]) -> Result<Table> {
    let class_names = owned_class_names(class_names)?;
    Table::from_columns(vec![
        (
            "label",
            (0..class_names.len()).collect::<Vec<usize>>().into(),
        ),
        ("class", class_names.into()),
    ])
}

/// Counts the images of each class in the training and test labels: columns `label`,
/// `class`, `train` and `test` (u64), one row per class name.
///
/// # Errors
/// [`Error::InvalidArgument`] for an empty `class_names` or a label without a class name.
pub fn class_counts_table<S: AsRef<str>>(
    train_labels: ndarray::ArrayView1<u8>,
    test_labels: ndarray::ArrayView1<u8>,
    class_names: &[S],
) -> Result<Table> {
    let class_names = owned_class_names(class_names)?;
    let count = |what: &str, labels: ndarray::ArrayView1<u8>| -> Result<Vec<u64>> {
        let mut counts = vec![0u64; class_names.len()];
        for (index, &label) in labels.iter().enumerate() {
            let class = check_label(&format!("{what}[{index}]"), label, class_names.len())?;
            counts[class] += 1;
        }
        Ok(counts)
    };
    let train = count("train_labels", train_labels)?;
    let test = count("test_labels", test_labels)?;
    Table::from_columns(vec![
        (
            "label",
            (0..class_names.len()).collect::<Vec<usize>>().into(),
        ),
        ("class", class_names.into()),
        ("train", train.into()),
        ("test", test.into()),
    ])
}

/// Element types [`ArraySummary`] can summarise.
pub trait Numeric: Copy {
    /// Rust name of the type, shown in the `dtype` column.
    const DTYPE: &'static str;
    /// Converts the value to `f64`.
    fn to_f64(self) -> f64;
}

macro_rules! numeric {
    ($($type:ty),+) => {
        $(
            impl Numeric for $type {
                const DTYPE: &'static str = stringify!($type);
                fn to_f64(self) -> f64 {
                    self as f64
                }
            }
        )+
    };
}

numeric!(u8, u16, u32, u64, i32, i64, f32, f64);

/// Name, shape, element type and value range of one array: a row of [`array_summary_table`].
#[derive(Debug, Clone, PartialEq)]
pub struct ArraySummary {
    pub name: String,
    pub shape: Vec<usize>,
    pub dtype: &'static str,
    /// Smallest value, ignoring NaN. `None` for an empty array or one of only NaN.
    pub min: Option<f64>,
    /// Largest value, ignoring NaN. `None` for an empty array or one of only NaN.
    pub max: Option<f64>,
    /// Mean of all values, NaN when any value is NaN. `None` for an empty array.
    pub mean: Option<f64>,
}

impl ArraySummary {
    /// Summarises `array` (an ndarray array or view of any dimension) under `name`.
    pub fn of<'a, T, D>(name: &str, array: impl AsArray<'a, T, D>) -> Self
    where
        T: Numeric + 'a,
        D: Dimension,
    {
        let array = array.into();
        let mut min: Option<f64> = None;
        let mut max: Option<f64> = None;
        let mut sum = 0.0f64;
        for &value in array.iter() {
            let value = value.to_f64();
            sum += value;
            if !value.is_nan() {
                min = Some(min.map_or(value, |current| current.min(value)));
                max = Some(max.map_or(value, |current| current.max(value)));
            }
        }
        let mean = (!array.is_empty()).then(|| sum / array.len() as f64);
        ArraySummary {
            name: name.to_string(),
            shape: array.shape().to_vec(),
            dtype: T::DTYPE,
            min,
            max,
            mean,
        }
    }

    /// Formats the shape like numpy: "(60000, 28, 28)", "(10,)".
    pub fn shape_text(&self) -> String {
        let dims: Vec<String> = self.shape.iter().map(|dim| dim.to_string()).collect();
        if dims.len() == 1 {
            format!("({},)", dims[0])
        } else {
            format!("({})", dims.join(", "))
        }
    }
}

/// Lists arrays with their shape, element type and value range: columns `name`, `shape`,
/// `dtype`, `min`, `max` and `mean` (f64, null for an empty array).
///
/// ```
/// use fashion_mnist::table::{array_summary_table, ArraySummary};
/// let labels = ndarray::array![9u8, 0, 0, 3];
/// let table = array_summary_table(&[ArraySummary::of("labels", &labels)])?;
/// assert_eq!(table.height(), 1);
/// # Ok::<(), fashion_mnist::Error>(())
/// ```
pub fn array_summary_table(summaries: &[ArraySummary]) -> Result<Table> {
    Table::from_columns(vec![
        (
            "name",
            summaries
                .iter()
                .map(|summary| summary.name.clone())
                .collect::<Vec<_>>()
                .into(),
        ),
        (
            "shape",
            summaries
                .iter()
                .map(ArraySummary::shape_text)
                .collect::<Vec<_>>()
                .into(),
        ),
        (
            "dtype",
            summaries
                .iter()
                .map(|summary| summary.dtype)
                .collect::<Vec<_>>()
                .into(),
        ),
        (
            "min",
            summaries
                .iter()
                .map(|summary| summary.min)
                .collect::<Vec<_>>()
                .into(),
        ),
        (
            "max",
            summaries
                .iter()
                .map(|summary| summary.max)
                .collect::<Vec<_>>()
                .into(),
        ),
        (
            "mean",
            summaries
                .iter()
                .map(|summary| summary.mean)
                .collect::<Vec<_>>()
                .into(),
        ),
    ])
}

/// Computes per-class metrics from a confusion matrix.
///
/// `confusion` has shape `[classes, classes]`, rows true classes and columns predicted
/// classes. Columns: `label`, `class`, `support` (images of the class), `correct`
/// (the diagonal), `accuracy` (correct / support, the same as recall), `precision`
/// (correct / images predicted as the class) and `recall`. A ratio whose denominator is 0 is null.
///
/// # Errors
/// - [`Error::Shape`] when `confusion` is not square with one row per class name.
/// - [`Error::InvalidArgument`] for an empty `class_names`.
pub fn per_class_table<S: AsRef<str>>(
    confusion: ArrayView2<u64>,
    class_names: &[S],
) -> Result<Table> {
    let class_names = owned_class_names(class_names)?;
    let class_count = class_names.len();
    if confusion.dim() != (class_count, class_count) {
        return Err(Error::Shape {
            what: "confusion".to_string(),
            expected: format!("[classes, classes] = [{class_count}, {class_count}]"),
            found: format!("{:?}", confusion.shape()),
        });
    }
    let ratio = |numerator: u64, denominator: u64| {
        (denominator > 0).then(|| numerator as f64 / denominator as f64)
    };
    let support: Vec<u64> = confusion.rows().into_iter().map(|row| row.sum()).collect();
    let predicted: Vec<u64> = confusion
        .columns()
        .into_iter()
        .map(|column| column.sum())
        .collect();
    let correct: Vec<u64> = (0..class_count)
        .map(|class| confusion[[class, class]])
        .collect();
    let recall: Vec<Option<f64>> = (0..class_count)
        .map(|class| ratio(correct[class], support[class]))
        .collect();
    let precision: Vec<Option<f64>> = (0..class_count)
        .map(|class| ratio(correct[class], predicted[class]))
        .collect();
    Table::from_columns(vec![
        ("label", (0..class_count).collect::<Vec<usize>>().into()),
        ("class", class_names.into()),
        ("support", support.into()),
        ("correct", correct.into()),
        ("accuracy", recall.clone().into()),
        ("precision", precision.into()),
        ("recall", recall.into()),
    ])
}

/// Lists each image's true class, predicted class (highest probability, the first on ties)
/// and its probability: columns `index`, `true class`, `predicted class`, `confidence`
/// (f32) and `correct` (bool). [`Table::mistakes`] keeps the wrong predictions.
///
/// `probabilities` has shape `[images, classes]` with values in [0, 1] (softmax output),
/// and `labels` has one true class index per image.
///
/// # Errors
/// - [`Error::Shape`] when `probabilities` does not have one row per label and one column
///   per class name.
/// - [`Error::InvalidArgument`] for an empty `class_names`, a probability that is NaN or
///   outside [0, 1], or a label without a class name.
pub fn predictions_table<S: AsRef<str>>(
    probabilities: ArrayView2<f32>,
    labels: ndarray::ArrayView1<u8>,
    class_names: &[S],
) -> Result<Table> {
    let class_names = owned_class_names(class_names)?;
    let (rows, columns) = probabilities.dim();
    check_label_count(labels.len(), rows)?;
    if columns != class_names.len() {
        return Err(Error::Shape {
            what: "probabilities".to_string(),
            expected: format!("one column per class name, {}", class_names.len()),
            found: format!("{columns} columns"),
        });
    }
    let mut true_classes = Vec::with_capacity(rows);
    let mut predicted_classes = Vec::with_capacity(rows);
    let mut confidences = Vec::with_capacity(rows);
    let mut correct = Vec::with_capacity(rows);
    for (index, row) in probabilities.rows().into_iter().enumerate() {
        if let Some((class, &value)) = row
            .iter()
            .enumerate()
            .find(|(_, value)| !(0.0..=1.0).contains(*value))
        {
            return Err(Error::InvalidArgument {
                what: format!("probabilities[{index}, {class}]"),
                expected: "a probability in [0, 1] (apply softmax to the logits first)".to_string(),
                found: value.to_string(),
            });
        }
        let true_class = check_label(
            &format!("labels[{index}]"),
            labels[index],
            class_names.len(),
        )?;
        let mut predicted = 0;
        for (class, &value) in row.iter().enumerate() {
            if value > row[predicted] {
                predicted = class;
            }
        }
        true_classes.push(class_names[true_class].clone());
        predicted_classes.push(class_names[predicted].clone());
        confidences.push(row[predicted]);
        correct.push(predicted == true_class);
    }
    Table::from_columns(vec![
        ("index", (0..rows).collect::<Vec<usize>>().into()),
        ("true class", true_classes.into()),
        ("predicted class", predicted_classes.into()),
        ("confidence", confidences.into()),
        ("correct", correct.into()),
    ])
}

/// Lists the training history, one row per epoch: columns `epoch`, `loss`, `accuracy`,
/// `seconds`, `images/s` and, when any epoch has them, `test loss` and `test accuracy`
/// (null for epochs without). Accuracies are fractions in [0, 1].
pub fn history_table(history: &History) -> Result<Table> {
    let epochs = &history.epochs;
    let mut columns: Vec<(&str, ColumnData)> = vec![
        (
            "epoch",
            epochs
                .iter()
                .map(|stats| stats.epoch)
                .collect::<Vec<_>>()
                .into(),
        ),
        (
            "loss",
            epochs
                .iter()
                .map(|stats| stats.loss)
                .collect::<Vec<_>>()
                .into(),
        ),
        (
            "accuracy",
            epochs
                .iter()
                .map(|stats| stats.accuracy)
                .collect::<Vec<_>>()
                .into(),
        ),
        (
            "seconds",
            epochs
                .iter()
                .map(|stats| stats.seconds)
                .collect::<Vec<_>>()
                .into(),
        ),
        (
            "images/s",
            epochs
                .iter()
                .map(|stats| stats.images_per_second)
                .collect::<Vec<_>>()
                .into(),
        ),
    ];
    if epochs.iter().any(|stats| stats.test_loss.is_some()) {
        columns.push((
            "test loss",
            epochs
                .iter()
                .map(|stats| stats.test_loss)
                .collect::<Vec<_>>()
                .into(),
        ));
    }
    if epochs.iter().any(|stats| stats.test_accuracy.is_some()) {
        columns.push((
            "test accuracy",
            epochs
                .iter()
                .map(|stats| stats.test_accuracy)
                .collect::<Vec<_>>()
                .into(),
        ));
    }
    Table::from_columns(columns)
}

/// Summarises the four arrays of a dataset, one row each: name, shape, dtype, min,
/// max and mean.
pub fn dataset_summary_table(dataset: &crate::data::Dataset) -> Result<Table> {
    array_summary_table(&[
        ArraySummary::of("train_images", &dataset.train_images),
        ArraySummary::of("train_labels", &dataset.train_labels),
        ArraySummary::of("test_images", &dataset.test_images),
        ArraySummary::of("test_labels", &dataset.test_labels),
    ])
}

/// Lists the layers of `model` like Keras's `model.summary()`: layer, output shape and
/// parameters, with a last row holding the total.
pub fn layer_table(model: &crate::model::Model) -> Result<Table> {
    let layers = model.layers();
    let mut names: Vec<String> = layers.iter().map(|layer| layer.name.clone()).collect();
    let mut shapes: Vec<String> = layers.iter().map(|l| l.output_shape.clone()).collect();
    let mut parameters: Vec<usize> = layers.iter().map(|layer| layer.parameters).collect();
    names.push("total".into());
    shapes.push(String::new());
    parameters.push(parameters.iter().sum());
    Table::from_columns(vec![
        ("layer", names.into()),
        ("output shape", shapes.into()),
        ("parameters", parameters.into()),
    ])
}
