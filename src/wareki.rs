//! 和暦: Japanese era dates, as printed on forms and used to build 照合番号B.
//!
//! The change days are exact: an era begins on the day of accession, so 1989-01-07 is 昭和64年
//! and 1989-01-08 is 平成元年. Year 1 of an era is written 元年 on forms.

use crate::card::Date;

/// A Japanese era.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Era {
    /// 明治, from 1868-01-25 (the Gregorian day of 明治元年1月1日).
    Meiji,
    /// 大正, from 1912-07-30.
    Taisho,
    /// 昭和, from 1926-12-25.
    Showa,
    /// 平成, from 1989-01-08.
    Heisei,
    /// 令和, from 2019-05-01.
    Reiwa,
}

impl Era {
    /// Every era, newest first: the order [`era_of`] searches.
    const NEWEST_FIRST: [(Era, (u16, u8, u8)); 5] = [
        (Era::Reiwa, (2019, 5, 1)),
        (Era::Heisei, (1989, 1, 8)),
        (Era::Showa, (1926, 12, 25)),
        (Era::Taisho, (1912, 7, 30)),
        (Era::Meiji, (1868, 1, 25)),
    ];

    /// The era's name in kanji.
    pub fn kanji(self) -> &'static str {
        match self {
            Era::Meiji => "明治",
            Era::Taisho => "大正",
            Era::Showa => "昭和",
            Era::Heisei => "平成",
            Era::Reiwa => "令和",
        }
    }

    /// The era's first day.
    pub fn first_day(self) -> Date {
        let (_, (y, m, d)) = Self::NEWEST_FIRST
            .iter()
            .find(|(era, _)| *era == self)
            .copied()
            .unwrap_or((Era::Meiji, (1868, 1, 25)));
        Date::new(y, m, d).unwrap_or_else(|| unreachable!("era start days are valid dates"))
    }
}

/// The era a date falls in and the year within it (1 for 元年); `None` before 明治.
pub fn era_of(date: Date) -> Option<(Era, u16)> {
    let key = (date.year(), date.month(), date.day());
    Era::NEWEST_FIRST
        .iter()
        .find(|(_, start)| key >= *start)
        .map(|(era, start)| (*era, date.year() - start.0 + 1))
}

/// `昭和55年2月17日`, `平成元年1月8日`; a date before 明治 falls back to `1867年12月31日`.
pub fn format_kanji(date: Date) -> String {
    match era_of(date) {
        Some((era, year)) => format!(
            "{}{}年{}月{}日",
            era.kanji(),
            year_text(year),
            date.month(),
            date.day()
        ),
        None => format!("{}年{}月{}日", date.year(), date.month(), date.day()),
    }
}

/// `元` for the first year of an era, the number otherwise.
pub fn year_text(year: u16) -> String {
    if year == 1 {
        "元".to_owned()
    } else {
        year.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: u16, m: u8, day: u8) -> Date {
        Date::new(y, m, day).unwrap()
    }

    #[test]
    fn every_change_day_and_the_day_before() {
        let cases = [
            (d(1912, 7, 29), "明治45年7月29日"),
            (d(1912, 7, 30), "大正元年7月30日"),
            (d(1926, 12, 24), "大正15年12月24日"),
            (d(1926, 12, 25), "昭和元年12月25日"),
            (d(1989, 1, 7), "昭和64年1月7日"),
            (d(1989, 1, 8), "平成元年1月8日"),
            (d(2019, 4, 30), "平成31年4月30日"),
            (d(2019, 5, 1), "令和元年5月1日"),
            (d(1980, 2, 17), "昭和55年2月17日"),
            (d(2020, 1, 1), "令和2年1月1日"),
        ];
        for (date, want) in cases {
            assert_eq!(format_kanji(date), want, "{}", date.iso());
        }
    }

    #[test]
    fn before_meiji_is_gregorian() {
        assert_eq!(era_of(d(1868, 1, 24)), None);
        assert_eq!(era_of(d(1868, 1, 25)), Some((Era::Meiji, 1)));
        assert_eq!(format_kanji(d(1867, 12, 31)), "1867年12月31日");
    }

    #[test]
    fn first_days_match_the_table() {
        assert_eq!(Era::Heisei.first_day(), d(1989, 1, 8));
        assert_eq!(Era::Taisho.first_day(), d(1912, 7, 30));
    }
}
