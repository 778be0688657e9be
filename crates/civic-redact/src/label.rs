//! The kinds of personal data the library can find.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::RedactError;

/// A kind of personal data. The names are the stable wire names used in logs,
/// the JSONL interface and configuration (`PERSON`, `NHS_NUMBER`…).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Label {
    Person,
    Email,
    Phone,
    Address,
    Postcode,
    DateOfBirth,
    Nino,
    NhsNumber,
    CardNumber,
    SortCode,
    AccountNumber,
    Iban,
    Passport,
    DrivingLicence,
    VehicleReg,
    IpAddress,
    Url,
    Organisation,
}

impl Label {
    /// Every label, in wire-name order of the issue.
    pub const ALL: [Label; 18] = [
        Label::Person,
        Label::Email,
        Label::Phone,
        Label::Address,
        Label::Postcode,
        Label::DateOfBirth,
        Label::Nino,
        Label::NhsNumber,
        Label::CardNumber,
        Label::SortCode,
        Label::AccountNumber,
        Label::Iban,
        Label::Passport,
        Label::DrivingLicence,
        Label::VehicleReg,
        Label::IpAddress,
        Label::Url,
        Label::Organisation,
    ];

    /// The stable wire name, e.g. `"NHS_NUMBER"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Label::Person => "PERSON",
            Label::Email => "EMAIL",
            Label::Phone => "PHONE",
            Label::Address => "ADDRESS",
            Label::Postcode => "POSTCODE",
            Label::DateOfBirth => "DATE_OF_BIRTH",
            Label::Nino => "NINO",
            Label::NhsNumber => "NHS_NUMBER",
            Label::CardNumber => "CARD_NUMBER",
            Label::SortCode => "SORT_CODE",
            Label::AccountNumber => "ACCOUNT_NUMBER",
            Label::Iban => "IBAN",
            Label::Passport => "PASSPORT",
            Label::DrivingLicence => "DRIVING_LICENCE",
            Label::VehicleReg => "VEHICLE_REG",
            Label::IpAddress => "IP_ADDRESS",
            Label::Url => "URL",
            Label::Organisation => "ORGANISATION",
        }
    }

    /// Whether the label is switched on when the caller does not choose.
    /// Organisations are off: a council's own letters are full of them and
    /// they are rarely personal data.
    pub fn enabled_by_default(self) -> bool {
        self != Label::Organisation
    }

    /// The word used for pseudonyms, e.g. "Person" in "Person A".
    pub fn pseudonym_noun(self) -> &'static str {
        match self {
            Label::Person => "Person",
            Label::Email => "Email",
            Label::Phone => "Phone",
            Label::Address => "Address",
            Label::Postcode => "Postcode",
            Label::DateOfBirth => "Date of birth",
            Label::Nino => "NI number",
            Label::NhsNumber => "NHS number",
            Label::CardNumber => "Card",
            Label::SortCode => "Sort code",
            Label::AccountNumber => "Account",
            Label::Iban => "IBAN",
            Label::Passport => "Passport",
            Label::DrivingLicence => "Driving licence",
            Label::VehicleReg => "Vehicle",
            Label::IpAddress => "IP address",
            Label::Url => "URL",
            Label::Organisation => "Organisation",
        }
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Label {
    type Err = RedactError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_uppercase();
        Label::ALL
            .into_iter()
            .find(|label| label.as_str() == wanted)
            .ok_or_else(|| RedactError::UnknownLabel(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip_through_from_str_and_serde() {
        for label in Label::ALL {
            assert_eq!(label.as_str().parse::<Label>().unwrap(), label);
            let json = serde_json::to_string(&label).unwrap();
            assert_eq!(json, format!("\"{}\"", label.as_str()));
        }
        assert_eq!("nhs_number".parse::<Label>().unwrap(), Label::NhsNumber);
        assert!("SOCIAL_SECURITY".parse::<Label>().is_err());
    }

    #[test]
    fn only_organisation_is_off_by_default() {
        let off: Vec<_> = Label::ALL
            .into_iter()
            .filter(|l| !l.enabled_by_default())
            .collect();
        assert_eq!(off, vec![Label::Organisation]);
    }
}
