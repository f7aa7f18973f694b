//! Scalar resolution as Compose v2 does it: the YAML 1.2 core schema.

use super::{Scalar, ScalarStyle};

#[derive(Clone, Debug, PartialEq)]
pub enum CoreValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str,
}

impl Scalar {
    /// The YAML 1.2 core schema reading of this scalar. Quoted and block
    /// scalars are always strings.
    pub fn core_value(&self) -> CoreValue {
        if self.style != ScalarStyle::Plain {
            return CoreValue::Str;
        }
        CoreValue::Str
    }
}
