//! Tables: contents, column checks, HTML and text rendering.

use fashion_mnist::table::{
    array_summary_table, class_counts_table, class_names_table, dataset_summary_table,
    history_table, layer_table, per_class_table, predictions_table, ArraySummary, ColumnData,
    Table,
};
use fashion_mnist::train::{EpochStats, History};
use fashion_mnist::Error;
use ndarray::{array, Array1, Array3};
use polars::prelude::AnyValue;

use fashion_mnist::data::CLASS_NAMES;

fn value(table: &Table, column: &str, row: usize) -> AnyValue<'static> {
    table
        .df()
        .column(column)
        .unwrap()
        .get(row)
        .unwrap()
        .into_static()
}

fn float(table: &Table, column: &str, row: usize) -> Option<f64> {
    match value(table, column, row) {
        AnyValue::Float64(value) => Some(value),
        AnyValue::Float32(value) => Some(f64::from(value)),
        AnyValue::Null => None,
        other => panic!("{column}[{row}] is {other:?}, not a float"),
    }
}

fn text(table: &Table, column: &str, row: usize) -> String {
    value(table, column, row)
        .get_str()
        .expect("a string value")
        .to_string()
}

fn numbered_table(rows: usize) -> Table {
    Table::from_columns(vec![
        ("row", (0..rows).collect::<Vec<usize>>().into()),
        (
            "name",
            (0..rows)
                .map(|row| format!("item {row}"))
                .collect::<Vec<_>>()
                .into(),
        ),
    ])
    .unwrap()
}

fn epoch(epoch: usize, test: Option<(f32, f32)>) -> EpochStats {
    EpochStats {
        epoch,
        loss: 0.5,
        accuracy: 0.8,
        seconds: 2.5,
        images_per_second: 24_000.0,
        test_loss: test.map(|(loss, _)| loss),
        test_accuracy: test.map(|(_, accuracy)| accuracy),
    }
}

// ---------------------------------------------------------------------------------------------
// Building tables
// ---------------------------------------------------------------------------------------------

#[test]
fn columns_of_each_type_build() {
    let table = Table::from_columns(vec![
        ("text", vec!["a", "b"].into()),
        ("int", vec![-1i64, 2].into()),
        ("uint", vec![1u64, 2].into()),
        ("float", vec![0.5f32, 1.5].into()),
        ("double", vec![Some(0.25f64), None].into()),
        ("flag", vec![true, false].into()),
    ])
    .unwrap();
    assert_eq!(table.df().shape(), (2, 6));
    assert_eq!(float(&table, "double", 1), None);
}

#[test]
fn mismatched_columns_are_shape_error() {
    let result = Table::from_columns(vec![
        ("label", vec![0u64, 1, 2].into()),
        ("class", vec!["T-shirt/top", "Trouser", "Pullover"].into()),
        ("count", vec![1u64, 2].into()),
    ]);
    let error = result.unwrap_err();
    assert!(matches!(error, Error::Shape { .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("\"count\""), "{message}");
    assert!(message.contains("\"label\""), "{message}");
    assert!(message.contains('3'), "{message}");
    assert!(message.contains('2'), "{message}");
}

#[test]
fn repeated_column_name_is_table_error() {
    let result = Table::from_columns(vec![("a", vec![1u64].into()), ("a", vec![2u64].into())]);
    assert!(matches!(result, Err(Error::Table(_))));
}

#[test]
fn column_data_counts_values() {
    let data: ColumnData = vec![Some(1i32), None, Some(3)].into();
    assert_eq!(data.len(), 3);
    assert!(!data.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

#[test]
fn html_of_10_rows_shows_all_rows() {
    let html = numbered_table(10).to_html();
    assert_eq!(html.matches("<tr>").count(), 11, "header plus 10 rows");
    for row in 0..10 {
        assert!(
            html.contains(&format!("<td>item {row}</td>")),
            "row {row} missing"
        );
    }
    assert!(!html.contains('…'));
    assert!(!html.contains("..."));
    assert!(html.contains("<th>row</th><th>name</th>"));
}

#[test]
fn html_of_100_rows_states_row_count() {
    let html = numbered_table(100).to_html();
    assert!(html.contains("100 rows"), "{html}");
    assert!(html.contains("<td>item 0</td>"));
    assert!(html.contains("<td>item 99</td>"));
    assert!(!html.contains("<td>item 50</td>"));
    assert!(html.contains('…'));
}

#[test]
fn html_escapes_text() {
    let table = Table::from_columns(vec![("name", vec!["<b>&"].into())]).unwrap();
    assert!(table.to_html().contains("<td>&lt;b&gt;&amp;</td>"));
}

#[test]
fn evcxr_message_wraps_html() {
    let table = numbered_table(3);
    let message = table.evcxr_message();
    assert!(message.starts_with("EVCXR_BEGIN_CONTENT text/html\n<table"));
    assert!(message.ends_with("EVCXR_END_CONTENT\n"));
    assert!(message.contains(&table.to_html()));
}

#[test]
fn text_of_10_rows_shows_all_rows() {
    let text = numbered_table(10).to_string();
    for row in 0..10 {
        assert!(
            text.contains(&format!("item {row}")),
            "row {row} missing:\n{text}"
        );
    }
    assert!(!text.contains('…'));
}

#[test]
fn text_of_100_rows_states_row_count() {
    let text = numbered_table(100).to_string();
    assert!(text.contains("100 rows"), "{text}");
    assert!(text.contains("item 99"));
    assert!(!text.contains("item 50"));
}

#[test]
fn floats_show_four_decimals() {
    let table = Table::from_columns(vec![("value", vec![0.123456f64, 12345.678].into())]).unwrap();
    let html = table.to_html();
    assert!(html.contains("<td>0.1235</td>"), "{html}");
    assert!(html.contains("<td>12345.7</td>"), "{html}");
}

// ---------------------------------------------------------------------------------------------
// Tables of the tutorial
// ---------------------------------------------------------------------------------------------

#[test]
fn class_names_table_lists_labels() {
    let table = class_names_table(&CLASS_NAMES).unwrap();
    assert_eq!(table.height(), 10);
    assert_eq!(text(&table, "class", 9), "Ankle boot");
    assert_eq!(value(&table, "label", 9), AnyValue::UInt64(9));
}

#[test]
fn class_counts_land_in_their_rows() {
    let train = array![0u8, 3, 3, 9, 3];
    let test = array![9u8, 9, 1];
    let table = class_counts_table(train.view(), test.view(), &CLASS_NAMES).unwrap();
    assert_eq!(table.height(), 10);
    assert_eq!(text(&table, "class", 3), "Dress");
    assert_eq!(value(&table, "train", 3), AnyValue::UInt64(3));
    assert_eq!(value(&table, "train", 0), AnyValue::UInt64(1));
    assert_eq!(value(&table, "train", 9), AnyValue::UInt64(1));
    assert_eq!(value(&table, "test", 9), AnyValue::UInt64(2));
    assert_eq!(value(&table, "test", 1), AnyValue::UInt64(1));
    assert_eq!(value(&table, "test", 3), AnyValue::UInt64(0));
}

#[test]
fn class_counts_reject_label_out_of_range() {
    let train = array![0u8, 10];
    let test = array![1u8];
    let error = class_counts_table(train.view(), test.view(), &CLASS_NAMES).unwrap_err();
    assert!(matches!(error, Error::InvalidArgument { .. }), "{error:?}");
    assert!(error.to_string().contains("train_labels[1]"), "{error}");
}

#[test]
fn array_summary_describes_arrays() {
    let images = Array3::from_shape_fn(
        (2, 28, 28),
        |(image, row, _)| if image == 1 && row == 0 { 255u8 } else { 0 },
    );
    let scaled = images.mapv(|value| f32::from(value) / 255.0);
    let table = array_summary_table(&[
        ArraySummary::of("train_images", &images),
        ArraySummary::of("scaled", scaled.view()),
        ArraySummary::of("labels", &array![9u8, 0]),
    ])
    .unwrap();
    assert_eq!(text(&table, "shape", 0), "(2, 28, 28)");
    assert_eq!(text(&table, "shape", 2), "(2,)");
    assert_eq!(text(&table, "dtype", 0), "u8");
    assert_eq!(text(&table, "dtype", 1), "f32");
    assert_eq!(float(&table, "min", 0), Some(0.0));
    assert_eq!(float(&table, "max", 0), Some(255.0));
    assert_eq!(float(&table, "max", 1), Some(1.0));
    // 28 of 1568 pixels are 255.
    let mean = float(&table, "mean", 0).unwrap();
    assert!((mean - 255.0 * 28.0 / 1568.0).abs() < 1e-9, "mean {mean}");
}

#[test]
fn array_summary_of_empty_array_has_nulls() {
    let empty = Array1::<f32>::zeros(0);
    let table = array_summary_table(&[ArraySummary::of("empty", &empty)]).unwrap();
    assert_eq!(float(&table, "min", 0), None);
    assert_eq!(float(&table, "mean", 0), None);
}

#[test]
fn per_class_precision_and_recall() {
    // Rows are true classes, columns predicted classes.
    //   class 0: 8 right, 2 predicted as class 1
    //   class 1: 6 right, 4 predicted as class 2
    //   class 2: never present, and class 0 is never predicted wrongly
    let confusion = array![[8u64, 2, 0], [0, 6, 4], [0, 0, 0]];
    let names = ["a", "b", "c"];
    let table = per_class_table(confusion.view(), &names).unwrap();
    assert_eq!(value(&table, "support", 0), AnyValue::UInt64(10));
    assert_eq!(value(&table, "correct", 1), AnyValue::UInt64(6));
    assert_eq!(float(&table, "recall", 0), Some(0.8));
    assert_eq!(float(&table, "accuracy", 0), Some(0.8));
    assert_eq!(float(&table, "recall", 1), Some(0.6));
    assert_eq!(float(&table, "precision", 0), Some(1.0));
    assert_eq!(float(&table, "precision", 1), Some(0.75));
    assert_eq!(float(&table, "precision", 2), Some(0.0));
    assert_eq!(float(&table, "recall", 2), None);
}

#[test]
fn per_class_rejects_non_square_confusion() {
    let confusion = array![[1u64, 2], [3, 4], [5, 6]];
    let result = per_class_table(confusion.view(), &["a", "b"]);
    assert!(matches!(result, Err(Error::Shape { .. })));
}

#[test]
fn predictions_table_marks_mistakes() {
    let probabilities = array![[0.9f32, 0.1, 0.0], [0.2, 0.3, 0.5], [0.1, 0.7, 0.2]];
    let labels = array![0u8, 1, 1];
    let table = predictions_table(probabilities.view(), labels.view(), &["a", "b", "c"]).unwrap();
    assert_eq!(text(&table, "predicted class", 1), "c");
    assert_eq!(text(&table, "true class", 1), "b");
    assert_eq!(float(&table, "confidence", 1), Some(0.5));
    assert_eq!(value(&table, "correct", 0), AnyValue::Boolean(true));
    assert_eq!(value(&table, "correct", 1), AnyValue::Boolean(false));

    let mistakes = table.mistakes().unwrap();
    assert_eq!(mistakes.height(), 1);
    assert_eq!(value(&mistakes, "index", 0), AnyValue::UInt64(1));
}

#[test]
fn mistakes_need_correct_column() {
    assert!(matches!(numbered_table(3).mistakes(), Err(Error::Table(_))));
}

#[test]
fn predictions_reject_mismatched_labels() {
    let probabilities = array![[0.9f32, 0.1], [0.2, 0.8]];
    let labels = array![0u8];
    let result = predictions_table(probabilities.view(), labels.view(), &["a", "b"]);
    assert!(matches!(result, Err(Error::Shape { .. })));
}

#[test]
fn predictions_reject_nan_probability() {
    let probabilities = array![[0.9f32, f32::NAN]];
    let labels = array![0u8];
    let result = predictions_table(probabilities.view(), labels.view(), &["a", "b"]);
    assert!(matches!(result, Err(Error::InvalidArgument { .. })));
}

#[test]
fn history_table_has_test_columns_when_present() {
    let history = History {
        epochs: vec![epoch(1, Some((0.45, 0.83))), epoch(2, None)],
    };
    let table = history_table(&history).unwrap();
    let names: Vec<String> = table
        .df()
        .get_column_names()
        .iter()
        .map(|name| name.to_string())
        .collect();
    assert_eq!(
        names,
        [
            "epoch",
            "loss",
            "accuracy",
            "seconds",
            "images/s",
            "test loss",
            "test accuracy"
        ]
    );
    assert_eq!(float(&table, "test loss", 0), Some(f64::from(0.45f32)));
    assert_eq!(float(&table, "test loss", 1), None);
}

#[test]
fn history_table_omits_absent_test_columns() {
    let history = History {
        epochs: vec![epoch(1, None), epoch(2, None)],
    };
    let table = history_table(&history).unwrap();
    assert_eq!(table.df().width(), 5);
    assert_eq!(value(&table, "epoch", 1), AnyValue::UInt64(2));
}

// ---------------------------------------------------------------------------------------------
// Tables of the real dataset and model
// ---------------------------------------------------------------------------------------------

#[test]
fn class_names_html_shows_all_ten() {
    let html = class_names_table(&CLASS_NAMES).unwrap().to_html();
    for name in CLASS_NAMES {
        assert!(html.contains(&format!("<td>{name}</td>")), "{name} missing");
    }
    assert!(html.contains("10 rows × 2 columns"), "{html}");
    assert!(!html.contains('…'));
}

#[test]
fn real_class_counts_are_balanced() {
    let dataset = fashion_mnist::data::load_data().expect("Fashion-MNIST is installed");
    let table = class_counts_table(
        dataset.train_labels.view(),
        dataset.test_labels.view(),
        &CLASS_NAMES,
    )
    .unwrap();
    assert_eq!(table.height(), 10);
    for row in 0..10 {
        assert_eq!(
            value(&table, "train", row),
            AnyValue::UInt64(6000),
            "row {row}"
        );
        assert_eq!(
            value(&table, "test", row),
            AnyValue::UInt64(1000),
            "row {row}"
        );
    }
}

#[test]
fn real_dataset_summary_describes_splits() {
    let dataset = fashion_mnist::data::load_data().expect("Fashion-MNIST is installed");
    let table = dataset_summary_table(&dataset).unwrap();
    assert_eq!(table.height(), 4);
    assert_eq!(text(&table, "name", 0), "train_images");
    assert_eq!(text(&table, "shape", 0), "(60000, 28, 28)");
    assert_eq!(text(&table, "shape", 3), "(10000,)");
    assert_eq!(text(&table, "dtype", 0), "u8");
    assert_eq!(float(&table, "min", 0), Some(0.0));
    assert_eq!(float(&table, "max", 0), Some(255.0));
    assert_eq!(float(&table, "max", 1), Some(9.0));
    // numpy: train_images.mean() = 72.94, test_images.mean() = 73.15.
    let train_mean = float(&table, "mean", 0).unwrap();
    assert!((train_mean - 72.94).abs() < 0.01, "train mean {train_mean}");
    let test_mean = float(&table, "mean", 2).unwrap();
    assert!((test_mean - 73.15).abs() < 0.01, "test mean {test_mean}");
}

#[test]
fn layer_table_totals_parameters() {
    let model = fashion_mnist::model::Model::new(0);
    let table = layer_table(&model).unwrap();
    let last = table.height() - 1;
    assert_eq!(text(&table, "layer", last), "total");
    // Keras's model.summary() for Flatten, Dense(128), Dense(10): 100,480 + 1,290.
    assert_eq!(value(&table, "parameters", last), AnyValue::UInt64(101_770));
}

#[test]
fn mistakes_of_long_predictions_state_row_count() {
    // 120 images, every third one wrong: 40 mistakes, more than a table shows in full.
    let rows = 120;
    let probabilities =
        ndarray::Array2::from_shape_fn(
            (rows, 2),
            |(row, class)| {
                if class == row % 2 {
                    0.9f32
                } else {
                    0.1
                }
            },
        );
    let labels = Array1::from_shape_fn(rows, |row| {
        if row % 3 == 0 {
            1 - (row % 2) as u8
        } else {
            (row % 2) as u8
        }
    });
    let table = predictions_table(probabilities.view(), labels.view(), &["a", "b"]).unwrap();
    assert!(table.to_html().contains("120 rows"));
    let mistakes = table.mistakes().unwrap();
    assert_eq!(mistakes.height(), 40);
    assert_eq!(value(&mistakes, "index", 1), AnyValue::UInt64(3));
    assert!(mistakes.to_html().contains("40 rows × 5 columns"));
}
