//! The central PostgreSQL schema, created and migrated by whichever kiosk connects first
//! (versioned like the SQLite one: `kakanai_schema.version`, one migration per step, under an
//! advisory lock so that thirty kiosks starting together migrate once).
//!
//! Written for a city analyst to read with plain SQL (documented in `docs/central.md`): times
//! as `timestamptz`, the Japan-time `day` as a `date`, kinds as words (`'printed'`, `'pin'`),
//! one row per session, per printed form, per event.

use super::CentralError;

/// The schema this build writes.
pub const VERSION: i32 = 1;

/// Any 64-bit number that is kakanai's: the advisory lock migrations hold.
const LOCK: i64 = 0x6b61_6b61_6e61_6931;

/// Migrations, in order: index `i` brings the schema from version `i` to `i + 1` (version 1
/// also creates the rollup, [`super::rollup::ddl`]).
const MIGRATIONS: [&str; 1] = [
    // 1: the first schema.
    "CREATE TABLE kiosks (
        id serial PRIMARY KEY,
        database_id text NOT NULL,
        terminal text NOT NULL,
        office text NOT NULL DEFAULT '',
        software_version text NOT NULL DEFAULT '',
        templates text NOT NULL DEFAULT '',
        first_contact timestamptz NOT NULL DEFAULT now(),
        last_contact timestamptz NOT NULL DEFAULT now(),
        UNIQUE (database_id, terminal)
     );
     CREATE TABLE sessions (
        kiosk integer NOT NULL,
        seq bigint NOT NULL,
        service_window text,
        started timestamptz NOT NULL,
        ended timestamptz NOT NULL,
        seconds integer NOT NULL,
        day date NOT NULL,
        month integer NOT NULL,
        mode text NOT NULL,
        assisted boolean NOT NULL,
        language text NOT NULL,
        identification text NOT NULL,
        card_check text NOT NULL,
        outcome text NOT NULL,
        satisfaction smallint,
        card_read_ms integer,
        choice_to_print_s integer,
        received timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (kiosk, seq)
     );
     CREATE INDEX sessions_day ON sessions (day);
     CREATE TABLE printed (
        kiosk integer NOT NULL,
        seq bigint NOT NULL,
        n smallint NOT NULL,
        form text NOT NULL,
        version text NOT NULL,
        copies integer NOT NULL,
        pages integer NOT NULL,
        filled integer NOT NULL,
        total integer NOT NULL,
        PRIMARY KEY (kiosk, seq, n)
     );
     CREATE TABLE events (
        kiosk integer NOT NULL,
        seq bigint NOT NULL,
        n smallint NOT NULL,
        at timestamptz NOT NULL,
        kind text NOT NULL,
        PRIMARY KEY (kiosk, seq, n)
     );
     CREATE TABLE daily_totals (
        kiosk integer NOT NULL,
        service_window text NOT NULL,
        day date NOT NULL,
        count integer NOT NULL,
        updated timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (kiosk, service_window, day)
     );
     COMMENT ON TABLE kiosks IS 'One row per kiosk (usage database × terminal id): its office, software and template versions, last contact.';
     COMMENT ON TABLE sessions IS 'One row per kiosk session: counts, kinds and times only; nothing about the resident.';
     COMMENT ON TABLE printed IS 'One row per form printed in a session.';
     COMMENT ON TABLE events IS 'Card errors, wrong PINs, printer errors, clerk take-overs, help calls, by kind.';
     COMMENT ON TABLE daily_totals IS 'All applications at a window on a day, as the admin entered them at the kiosk (the denominator of 利用率).';",
];

/// Bring the schema to [`VERSION`]; a newer one is left alone.
pub fn migrate(client: &mut postgres::Client, server: &str) -> Result<(), CentralError> {
    let err = |source| CentralError::Postgres {
        server: server.to_owned(),
        source,
    };
    let mut tx = client.transaction().map_err(err)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK])
        .map_err(err)?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS kakanai_schema (version integer NOT NULL)")
        .map_err(err)?;
    let found: Option<i32> = tx
        .query_opt("SELECT version FROM kakanai_schema", &[])
        .map_err(err)?
        .map(|r| r.get(0));
    let found = match found {
        Some(v) => v,
        None => {
            tx.execute("INSERT INTO kakanai_schema (version) VALUES (0)", &[])
                .map_err(err)?;
            0
        }
    };
    if found > VERSION {
        return Err(CentralError::TooNew {
            server: server.to_owned(),
            found,
        });
    }
    if found == VERSION {
        return tx.commit().map_err(err);
    }
    for (i, migration) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        tx.batch_execute(migration).map_err(err)?;
        if i == 0 {
            tx.batch_execute(&super::rollup::ddl()).map_err(err)?;
        }
        tx.execute("UPDATE kakanai_schema SET version = $1", &[&(i as i32 + 1)])
            .map_err(err)?;
    }
    tx.commit().map_err(err)
}

/// Check, without writing, that the schema is the one this build reads (an analyst's read-only
/// role may run the fleet export).
pub fn check(client: &mut postgres::Client, server: &str) -> Result<(), CentralError> {
    let err = |source| CentralError::Postgres {
        server: server.to_owned(),
        source,
    };
    let exists: bool = client
        .query_one("SELECT to_regclass('kakanai_schema') IS NOT NULL", &[])
        .map_err(err)?
        .get(0);
    let found: i32 = if exists {
        client
            .query_opt("SELECT version FROM kakanai_schema", &[])
            .map_err(err)?
            .map_or(0, |r| r.get(0))
    } else {
        0
    };
    match found {
        v if v > VERSION => Err(CentralError::TooNew {
            server: server.to_owned(),
            found: v,
        }),
        v if v < VERSION => Err(CentralError::NotReady {
            server: server.to_owned(),
            found: v,
        }),
        _ => Ok(()),
    }
}
