//! Sealing and opening of personal fields and records, in one place. Every
//! value is bound to its table, column and record id (the AAD), so a sealed
//! value copied to another row or column does not open.

use safepath_crypto::{FieldRef, Sealed};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{App, AppError};

fn field<'a>(table: &'a str, column: &'a str, record_id: &'a str) -> FieldRef<'a> {
    FieldRef {
        table,
        column,
        record_id,
    }
}

impl App {
    pub(crate) fn seal_bytes(
        &self,
        table: &str,
        column: &str,
        id: &str,
        value: &[u8],
    ) -> Result<Sealed, AppError> {
        self.keys
            .seal(field(table, column, id), value)
            .map_err(|e| AppError::internal(&e.to_string()))
    }

    pub(crate) fn seal_str(
        &self,
        table: &str,
        column: &str,
        id: &str,
        value: &str,
    ) -> Result<Sealed, AppError> {
        self.seal_bytes(table, column, id, value.as_bytes())
    }

    pub(crate) fn open_str(
        &self,
        table: &str,
        column: &str,
        id: &str,
        s: &Sealed,
    ) -> Result<String, AppError> {
        self.keys
            .open_string(field(table, column, id), s)
            .map_err(|e| AppError::internal(&e.to_string()))
    }

    /// Seals a record as JSON.
    pub(crate) fn seal_json<T: Serialize>(
        &self,
        table: &str,
        column: &str,
        id: &str,
        value: &T,
    ) -> Result<Sealed, AppError> {
        let json = serde_json::to_vec(value).map_err(|_| AppError::internal("serialise"))?;
        self.seal_bytes(table, column, id, &json)
    }

    /// Opens a record sealed by [`App::seal_json`].
    pub(crate) fn open_json<T: DeserializeOwned>(
        &self,
        table: &str,
        column: &str,
        id: &str,
        s: &Sealed,
    ) -> Result<T, AppError> {
        let bytes = self
            .keys
            .open(field(table, column, id), s)
            .map_err(|e| AppError::internal(&e.to_string()))?;
        serde_json::from_slice(&bytes).map_err(|_| AppError::internal(&format!("{table} record")))
    }
}
