//! The seven safeguarding categories and the team each is suggested to.

use serde::{Deserialize, Serialize};

/// A safeguarding category. The ids are fixed: they are used in rules files, evaluation
/// sets, decisions and the ledger. Definitions and their sources are in
/// `docs/safeguarding.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Category {
    /// Thoughts of suicide, self-harm, an overdose, goodbyes (NICE NG225).
    SelfHarmSuicide,
    /// Abuse between personally connected people aged 16 or over (Domestic Abuse Act 2021).
    DomesticAbuse,
    /// A child suffering or likely to suffer significant harm (Children Act 1989, s.47).
    ChildAtRisk,
    /// An adult with care and support needs at risk of abuse or neglect (Care Act 2014, s.42).
    AdultAtRisk,
    /// A threat to kill or seriously hurt, a weapon, an assault (OAPA 1861, s.16).
    ThreatViolence,
    /// Forced labour, servitude or trafficking (Modern Slavery Act 2015).
    ModernSlavery,
    /// Immediate risk to health or safety from housing or circumstances (Housing Acts).
    RiskToHealthOrHome,
}

impl Category {
    /// Every category, in the order reports list them.
    pub const ALL: [Category; 7] = [
        Category::SelfHarmSuicide,
        Category::DomesticAbuse,
        Category::ChildAtRisk,
        Category::AdultAtRisk,
        Category::ThreatViolence,
        Category::ModernSlavery,
        Category::RiskToHealthOrHome,
    ];

    /// The fixed id, e.g. `self_harm_suicide`.
    pub fn id(self) -> &'static str {
        match self {
            Category::SelfHarmSuicide => "self_harm_suicide",
            Category::DomesticAbuse => "domestic_abuse",
            Category::ChildAtRisk => "child_at_risk",
            Category::AdultAtRisk => "adult_at_risk",
            Category::ThreatViolence => "threat_violence",
            Category::ModernSlavery => "modern_slavery",
            Category::RiskToHealthOrHome => "risk_to_health_or_home",
        }
    }

    /// The category from its id, or `None` for an unknown id.
    pub fn parse(id: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.id() == id.trim())
    }

    /// The category's name for people, e.g. "Suicide and self-harm".
    pub fn title(self) -> &'static str {
        match self {
            Category::SelfHarmSuicide => "Suicide and self-harm",
            Category::DomesticAbuse => "Domestic abuse",
            Category::ChildAtRisk => "Child at risk",
            Category::AdultAtRisk => "Adult at risk",
            Category::ThreatViolence => "Threats to life and violence",
            Category::ModernSlavery => "Modern slavery and trafficking",
            Category::RiskToHealthOrHome => "Serious risk to health or home",
        }
    }

    /// The team a council usually refers this category to: the default suggestion for the
    /// reviewer, who records where the case was actually referred. A body may name its own
    /// with [`super::Detector::with_teams`].
    pub fn suggested_team(self) -> &'static str {
        match self {
            Category::SelfHarmSuicide => "Mental health crisis team",
            Category::DomesticAbuse => "Domestic abuse service (IDVA / MARAC)",
            Category::ChildAtRisk => "Children's services front door (MASH)",
            Category::AdultAtRisk => "Adult social care safeguarding",
            Category::ThreatViolence => "Community safety and police liaison",
            Category::ModernSlavery => "Modern slavery single point of contact",
            Category::RiskToHealthOrHome => "Housing options emergency duty",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_match_serde() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.id()), Some(c));
            assert_eq!(
                serde_json::to_value(c).ok(),
                Some(serde_json::Value::String(c.id().to_string()))
            );
        }
        assert_eq!(Category::parse("threats"), None);
    }
}
