//! Trains on the synthetic demo data and shows a report and two predictions, as the CLI's
//! `civic triage train` and `civic triage explain` will.
//!
//! ```text
//! cargo run --release -p civic-triage --example explain_demo -- ["message text"]
//! ```

use std::error::Error;

use civic_triage::{TrainOptions, TrainingExample, demo, train};

fn main() -> Result<(), Box<dyn Error>> {
    let examples: Vec<TrainingExample> = demo::generate(2025, 6000)
        .into_iter()
        .map(Into::into)
        .collect();
    let (model, report) = train(&examples, &TrainOptions::default(), &|_| {})?;
    println!("{report}");
    let texts: Vec<String> = match std::env::args().nth(1) {
        Some(t) => vec![t],
        None => vec![
            "Hi, the bin men missed our street again on Tuesday and the recycling is overflowing"
                .into(),
            "My mum has had a fall and the carer didn't turn up. I'm not sure who to call.".into(),
        ],
    };
    for text in texts {
        println!("{}", serde_json::to_string_pretty(&model.predict(&text))?);
    }
    Ok(())
}
