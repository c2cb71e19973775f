//! What every form says about the office that receives it — 「（あて先）○○市長」, the office's
//! name, each form's 手数料 — and how this session's card was read, printed small in the staff
//! area. These come from `kakanai.toml`'s `[office]` once, not from ten copies of 「市区町村長」
//! in the templates: an office sets them when it installs the kiosk, and a fee change is one line.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::usage::record::Identification;

/// `[office]` in `kakanai.toml`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Office {
    /// Whom the forms are addressed to: 「札幌市長」. Empty: 「市区町村長」, the wording of a
    /// kiosk not yet set up (still accepted, and `kakanai doctor` says so).
    pub addressee: String,
    /// The receiving office as printed at the head of each form (「中央区役所　戸籍住民課」).
    /// Empty: nothing is printed.
    pub name: String,
    /// 手数料 in yen a copy, by form id (`juminhyo = 300`). A form with a fee line but no entry
    /// here prints the line with the price blank, for the clerk to write.
    pub fees: BTreeMap<String, u32>,
}

/// What the addressee line says when `[office] addressee` is not set.
pub const UNSET_ADDRESSEE: &str = "市区町村長";

impl Office {
    /// 「（あて先）札幌市長」.
    pub fn addressee_line(&self) -> String {
        let who = self.addressee.trim();
        let who = if who.is_empty() { UNSET_ADDRESSEE } else { who };
        format!("（あて先）{who}")
    }

    /// The office's name, when set.
    pub fn name_line(&self) -> Option<String> {
        let name = self.name.trim();
        (!name.is_empty()).then(|| name.to_owned())
    }

    /// The staff area's fee line: 「　　通　×　３００円　＝　　　　　円」 — the clerk writes the
    /// number of copies issued and the total (they may issue fewer than asked), the unit price
    /// is printed when the office set one. Digits full-width, as everywhere on a form.
    pub fn fee_line(&self, form: &str) -> String {
        let price = match self.fees.get(form) {
            Some(yen) => super::fill::fullwidth_digits(&yen.to_string()),
            None => "　　　".to_owned(),
        };
        format!("　　通　×　{price}円　＝　　　　　円")
    }
}

/// The staff area's note of how the resident was identified by the kiosk, so the clerk knows
/// what the 太枠 holds before checking it: 「読取：暗証番号」, 「読取：照合番号Ｂ」, 「読取：なし」.
pub fn reading_line(how: Identification) -> &'static str {
    match how {
        Identification::Pin => "カード読取：暗証番号",
        Identification::CodeB => "カード読取：照合番号Ｂ",
        Identification::None => "カード読取：なし（手書き）",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_office_prints_its_own_addressee_name_and_fees() {
        let mut office = Office::default();
        assert_eq!(office.addressee_line(), "（あて先）市区町村長");
        assert_eq!(office.name_line(), None);
        assert_eq!(
            office.fee_line("juminhyo"),
            "　　通　×　　　　円　＝　　　　　円"
        );
        office.addressee = "札幌市長".into();
        office.name = "中央区役所　戸籍住民課".into();
        office.fees.insert("juminhyo".into(), 300);
        assert_eq!(office.addressee_line(), "（あて先）札幌市長");
        assert_eq!(
            office.name_line().as_deref(),
            Some("中央区役所　戸籍住民課")
        );
        assert_eq!(
            office.fee_line("juminhyo"),
            "　　通　×　３００円　＝　　　　　円"
        );
        assert_eq!(
            office.fee_line("jpki"),
            "　　通　×　　　　円　＝　　　　　円"
        );
    }
}
