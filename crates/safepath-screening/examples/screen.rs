//! Evaluates a screening document: `cargo run -p safepath-screening --example screen FILE`
//! (or `-` for standard input). Prints the evaluation as JSON, or the error and exits 1.

use std::io::Read;

fn main() {
    let arg = std::env::args().nth(1).unwrap_or_else(|| "-".to_string());
    let mut input = Vec::new();
    let read = if arg == "-" {
        std::io::stdin().read_to_end(&mut input).map(|_| ())
    } else {
        std::fs::read(&arg).map(|bytes| input = bytes)
    };
    if let Err(e) = read {
        eprintln!("cannot read {arg}: {e}");
        std::process::exit(2);
    }
    match safepath_screening::evaluate_json(&input) {
        Ok(value) => match serde_json::to_string_pretty(&value) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("{e}");
                std::process::exit(1);
            }
        },
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    }
}
