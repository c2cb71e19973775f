//! The monthly rollup: per month × kiosk × form × mode, every figure of the KPI table summed,
//! and the three durations as exact histograms (value → count), kept up to date in the same
//! transaction that ships the sessions — only for the sessions the server did not have yet, so
//! a session shipped twice is rolled up once.
//!
//! A year of a city is ten million sessions; aggregating them row by row for each export took
//! over twenty seconds on a two-core server. The rollup holds a few thousand rows, so an export
//! by month or fiscal year reads those (and the raw rows only for the days of a partly covered
//! month), and its medians are still exact: a median of merged histograms is the median of all
//! the values.
//!
//! `form = ''` rows are per session (with the session's printed forms summed in); `form =
//! 'juminhyo'` rows are per session × printed form, as the kiosk's export counts them when
//! grouped by form.

use std::collections::{BTreeMap, HashMap};

use super::outbox::{OutEvent, OutPrinted, OutSession};
use crate::usage::record::EventKind;

/// The summed columns of `monthly`, in order.
pub const COUNT_COLUMNS: [&str; 28] = [
    "sessions",
    "printed_sessions",
    "seconds",
    "assisted",
    "staff_operated",
    "satisfaction_1",
    "satisfaction_2",
    "satisfaction_3",
    "satisfaction_4",
    "satisfaction_5",
    "identification_none",
    "identification_pin",
    "identification_code_b",
    "non_japanese",
    "forms_printed",
    "copies",
    "sheets",
    "fields_filled",
    "fields_total",
    "card_not_my_number",
    "card_removed",
    "card_read_failed",
    "pin_wrong",
    "pin_blocked",
    "lockout_guard",
    "printer_error",
    "clerk_take_over",
    "help_requested",
];

/// Where the event counts start in [`COUNT_COLUMNS`].
pub const EVENTS_AT: usize = 19;

/// The `CREATE TABLE` and the histogram merge function (part of schema version 1).
pub fn ddl() -> String {
    let counts: Vec<String> = COUNT_COLUMNS
        .iter()
        .map(|c| format!("{c} bigint NOT NULL DEFAULT 0"))
        .collect();
    format!(
        "CREATE TABLE monthly (
            month integer NOT NULL,
            kiosk integer NOT NULL,
            form text NOT NULL,
            mode text NOT NULL,
            {},
            seconds_values integer[] NOT NULL, seconds_counts bigint[] NOT NULL,
            card_read_ms_values integer[] NOT NULL, card_read_ms_counts bigint[] NOT NULL,
            choice_to_print_s_values integer[] NOT NULL, choice_to_print_s_counts bigint[] NOT NULL,
            PRIMARY KEY (month, kiosk, form, mode)
         );
         COMMENT ON TABLE monthly IS 'Maintained by the kiosks: per month, kiosk, form (empty: per session) and mode, the summed KPI figures and exact duration histograms (values[i] seen counts[i] times).';
         CREATE FUNCTION kakanai_hist_merge(av integer[], ac bigint[], bv integer[], bc bigint[], OUT v integer[], OUT c bigint[])
         LANGUAGE sql IMMUTABLE AS $$
            SELECT coalesce(array_agg(x ORDER BY x), '{{}}'), coalesce(array_agg(n ORDER BY x), '{{}}')
            FROM (SELECT x, sum(n)::bigint AS n
                  FROM (SELECT * FROM unnest(av, ac) AS a(x, n) UNION ALL SELECT * FROM unnest(bv, bc) AS b(x, n)) u
                  GROUP BY x) g
         $$;",
        counts.join(",\n            ")
    )
}

/// A rollup row's identity.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RollKey {
    /// YYYYMM.
    pub month: i32,
    /// `kiosks.id`.
    pub kiosk: i32,
    /// Form id, or "" for the per-session row.
    pub form: String,
    /// "self" / "staff".
    pub mode: &'static str,
}

/// What a set of sessions adds to one rollup row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RollDelta {
    /// [`COUNT_COLUMNS`], in order.
    pub counts: [i64; 28],
    /// Session seconds → count.
    pub seconds: BTreeMap<i32, i64>,
    /// Card read ms → count.
    pub card_read_ms: BTreeMap<i32, i64>,
    /// Choice to print s → count.
    pub choice_to_print_s: BTreeMap<i32, i64>,
}

impl RollDelta {
    fn session(&mut self, s: &OutSession) {
        let c = &mut self.counts;
        let seconds = (s.ended - s.started).max(0);
        c[0] += 1;
        c[1] += i64::from(s.outcome == 0);
        c[2] += seconds;
        c[3] += i64::from(s.assisted);
        c[4] += i64::from(s.mode == 1);
        if let Some(x @ 1..=5) = s.satisfaction {
            c[4 + x as usize] += 1;
        }
        c[10 + s.identification.clamp(0, 2) as usize] += 1;
        // やさしい日本語 is Japanese (see Totals::non_japanese).
        c[13] += i64::from(!matches!(s.language.as_str(), "ja" | "ja-x-easy"));
        *self.seconds.entry(seconds as i32).or_default() += 1;
        if let Some(v) = s.card_read_ms {
            *self.card_read_ms.entry(v as i32).or_default() += 1;
        }
        if let Some(v) = s.choice_to_print_s {
            *self.choice_to_print_s.entry(v as i32).or_default() += 1;
        }
    }

    fn printed(&mut self, p: &OutPrinted) {
        let c = &mut self.counts;
        c[14] += 1;
        c[15] += p.copies.max(0);
        c[16] += (p.copies * p.pages).max(0);
        c[17] += p.filled.max(0);
        c[18] += p.total.max(0);
    }

    fn event(&mut self, e: &OutEvent) {
        let last = EventKind::ALL.len() as i64 - 1;
        self.counts[EVENTS_AT + e.kind.clamp(0, last) as usize] += 1;
    }
}

/// The rollup rows `sessions` (with their printed forms and events) add to; `kiosk_of` gives a
/// session's `kiosks.id`.
pub fn deltas(
    sessions: &[&OutSession],
    printed: &[OutPrinted],
    events: &[OutEvent],
    kiosk_of: &dyn Fn(&OutSession) -> i32,
) -> HashMap<RollKey, RollDelta> {
    let mut forms: HashMap<i64, Vec<&OutPrinted>> = HashMap::new();
    for p in printed {
        forms.entry(p.seq).or_default().push(p);
    }
    let mut happened: HashMap<i64, Vec<&OutEvent>> = HashMap::new();
    for e in events {
        happened.entry(e.seq).or_default().push(e);
    }
    let mut out: HashMap<RollKey, RollDelta> = HashMap::new();
    for s in sessions {
        let kiosk = kiosk_of(s);
        let mode = if s.mode == 1 { "staff" } else { "self" };
        let its_forms = forms.get(&s.seq).map_or(&[][..], Vec::as_slice);
        let its_events = happened.get(&s.seq).map_or(&[][..], Vec::as_slice);
        let key = |form: &str| RollKey {
            month: s.month as i32,
            kiosk,
            form: form.to_owned(),
            mode,
        };
        let whole = out.entry(key("")).or_default();
        whole.session(s);
        for p in its_forms {
            whole.printed(p);
        }
        for e in its_events {
            whole.event(e);
        }
        for p in its_forms {
            let pair = out.entry(key(&p.form)).or_default();
            pair.session(s);
            pair.printed(p);
            for e in its_events {
                pair.event(e);
            }
        }
    }
    out
}

fn upsert_sql() -> String {
    let names: Vec<&str> = COUNT_COLUMNS.to_vec();
    let placeholders: Vec<String> = (0..names.len()).map(|i| format!("${}", i + 5)).collect();
    let h = names.len() + 5;
    let sets: Vec<String> = names
        .iter()
        .map(|c| format!("{c} = t.{c} + excluded.{c}"))
        .collect();
    let hist = |name: &str| {
        format!(
            "({name}_values, {name}_counts) = (SELECT v, c FROM kakanai_hist_merge(t.{name}_values, t.{name}_counts, excluded.{name}_values, excluded.{name}_counts))"
        )
    };
    format!(
        "INSERT INTO monthly AS t (month, kiosk, form, mode, {}, seconds_values, seconds_counts, card_read_ms_values, card_read_ms_counts, choice_to_print_s_values, choice_to_print_s_counts)
         VALUES ($1, $2, $3, $4, {}, ${h}, ${}, ${}, ${}, ${}, ${})
         ON CONFLICT (month, kiosk, form, mode) DO UPDATE SET {}, {}, {}, {}",
        names.join(", "),
        placeholders.join(", "),
        h + 1,
        h + 2,
        h + 3,
        h + 4,
        h + 5,
        sets.join(", "),
        hist("seconds"),
        hist("card_read_ms"),
        hist("choice_to_print_s"),
    )
}

fn split(h: &BTreeMap<i32, i64>) -> (Vec<i32>, Vec<i64>) {
    (h.keys().copied().collect(), h.values().copied().collect())
}

/// Add `deltas` to the rollup (inside the shipment's transaction).
pub fn upsert(
    tx: &mut postgres::Transaction<'_>,
    deltas: &HashMap<RollKey, RollDelta>,
) -> Result<(), postgres::Error> {
    if deltas.is_empty() {
        return Ok(());
    }
    let stmt = tx.prepare(&upsert_sql())?;
    // In key order, so that two shipments touching the same rows lock them in the same order.
    let mut keys: Vec<&RollKey> = deltas.keys().collect();
    keys.sort();
    for key in keys {
        let d = &deltas[key];
        let (sv, sc) = split(&d.seconds);
        let (cv, cc) = split(&d.card_read_ms);
        let (hv, hc) = split(&d.choice_to_print_s);
        let mut params: Vec<&(dyn postgres::types::ToSql + Sync)> =
            vec![&key.month, &key.kiosk, &key.form, &key.mode];
        for c in &d.counts {
            params.push(c);
        }
        params.extend([
            &sv as &(dyn postgres::types::ToSql + Sync),
            &sc,
            &cv,
            &cc,
            &hv,
            &hc,
        ]);
        tx.execute(&stmt, &params)?;
    }
    Ok(())
}
