//! File formats. Each takes the whole input in memory and returns the
//! whole output, or an error: a caller never sees half a file.

pub mod csv;
pub mod docx;
pub mod eml;
pub mod text;
