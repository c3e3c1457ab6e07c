-- emr: the data model of one practice.
--
-- This file is the single source of the schema.  It is compiled into the
-- binary (src/embedded.S includes it verbatim) and applied section by
-- section: each "-- @migration N: ..." line starts the SQL that takes a
-- database from PRAGMA user_version N-1 to N.  A new database runs every
-- section; an existing one runs only the sections above its user_version.
-- Sections are append-only: once released, a section is never edited, a
-- later one changes what it made.
--
-- Conventions, enforced below by CHECK constraints and triggers rather than
-- trusted to C code:
--   * dates are ISO 8601 calendar dates 'YYYY-MM-DD' that exist (no 30 Feb);
--   * instants are UTC 'YYYY-MM-DDTHH:MM:SSZ';
--   * money is INTEGER cents;
--   * clinical records are never deleted: they are retired with a status
--     ('entered-in-error' and friends), a time, a user and a reason;
--   * a signed note and its signature never change; corrections are addenda;
--   * the audit log and the billing ledger are append-only.
--
-- Every table is STRICT.  Enumerations are CHECK (x IN (...)).

-- @migration 1: the practice, its people, charts, codes, visits, notes, schedule, billing, audit

-- The practice itself: exactly one row (id = 1).
CREATE TABLE practice (
  id                INTEGER PRIMARY KEY CHECK (id = 1),
  name              TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  address           TEXT NOT NULL DEFAULT '',
  phone             TEXT NOT NULL DEFAULT '',
  npi               TEXT CHECK (npi IS NULL OR (length(npi) = 10 AND npi NOT GLOB '*[^0-9]*')),
  letterhead        TEXT NOT NULL DEFAULT '',
  -- Clinic hours, local wall-clock time of the practice's time zone.
  clinic_open       TEXT NOT NULL DEFAULT '08:00' CHECK (clinic_open GLOB '[0-2][0-9]:[0-5][0-9]'),
  clinic_close      TEXT NOT NULL DEFAULT '17:00' CHECK (clinic_close GLOB '[0-2][0-9]:[0-5][0-9]'),
  -- ISO weekdays the clinic is open, 1 = Monday ... 7 = Sunday.
  clinic_days       TEXT NOT NULL DEFAULT '12345' CHECK (clinic_days NOT GLOB '*[^1-7]*'),
  slot_minutes      INTEGER NOT NULL DEFAULT 15 CHECK (slot_minutes BETWEEN 5 AND 120),
  timezone          TEXT NOT NULL DEFAULT 'America/New_York',
  idle_timeout_min  INTEGER NOT NULL DEFAULT 10 CHECK (idle_timeout_min BETWEEN 1 AND 240),
  created_at        TEXT NOT NULL CHECK (created_at IS strftime('%Y-%m-%dT%H:%M:%SZ', created_at, '+0 days')),
  CHECK (clinic_open < clinic_close)
) STRICT;

-- People who use emr.  Identity is the Unix login; the passphrase (for
-- signing and unlocking) is an Argon2id string from libsodium.
CREATE TABLE users (
  id            INTEGER PRIMARY KEY,
  login         TEXT NOT NULL UNIQUE CHECK (length(login) BETWEEN 1 AND 64 AND login NOT GLOB '*[^A-Za-z0-9._-]*'),
  display_name  TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
  role          TEXT NOT NULL CHECK (role IN ('physician', 'nurse', 'frontdesk', 'biller')),
  credentials   TEXT NOT NULL DEFAULT '',          -- "MD", "RN", ... printed after the name
  npi           TEXT CHECK (npi IS NULL OR (length(npi) = 10 AND npi NOT GLOB '*[^0-9]*')),
  dea           TEXT CHECK (dea IS NULL OR length(dea) = 9),
  pass_hash     TEXT,                              -- crypto_pwhash_str() output, NULL until set
  active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  created_at    TEXT NOT NULL CHECK (created_at IS strftime('%Y-%m-%dT%H:%M:%SZ', created_at, '+0 days'))
) STRICT;

-- Patients.  Demographics may be edited (each edit bumps version, so a
-- second session can detect a concurrent change); a chart is never deleted.
CREATE TABLE patients (
  id               INTEGER PRIMARY KEY,
  mrn              TEXT NOT NULL UNIQUE CHECK (length(mrn) BETWEEN 1 AND 32 AND mrn NOT GLOB '*[^A-Za-z0-9-]*'),
  given_name       TEXT NOT NULL CHECK (length(given_name) BETWEEN 1 AND 200),
  family_name      TEXT NOT NULL CHECK (length(family_name) BETWEEN 1 AND 200),
  preferred_name   TEXT NOT NULL DEFAULT '' CHECK (length(preferred_name) <= 200),
  -- Sex as recorded for administrative purposes (FHIR AdministrativeGender).
  sex              TEXT NOT NULL CHECK (sex IN ('female', 'male', 'other', 'unknown')),
  gender_identity  TEXT NOT NULL DEFAULT '',
  dob              TEXT NOT NULL CHECK (dob IS date(dob, '+0 days') AND dob >= '1880-01-01'),
  phone            TEXT NOT NULL DEFAULT '',
  -- phone reduced to digits, for search ("555 0100" finds "(555) 010-0...")
  phone_digits     TEXT NOT NULL DEFAULT '' CHECK (phone_digits NOT GLOB '*[^0-9]*'),
  email            TEXT NOT NULL DEFAULT '',
  address          TEXT NOT NULL DEFAULT '',
  city             TEXT NOT NULL DEFAULT '',
  state            TEXT NOT NULL DEFAULT '',
  postal_code      TEXT NOT NULL DEFAULT '',
  emergency_name   TEXT NOT NULL DEFAULT '',
  emergency_phone  TEXT NOT NULL DEFAULT '',
  insurance_payer  TEXT NOT NULL DEFAULT '',
  insurance_member TEXT NOT NULL DEFAULT '',
  status           TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive', 'deceased')),
  deceased_date    TEXT CHECK (deceased_date IS NULL OR deceased_date IS date(deceased_date, '+0 days')),
  status_reason    TEXT NOT NULL DEFAULT '',
  last_opened_at   TEXT,                            -- drives "recent patients first"
  created_at       TEXT NOT NULL CHECK (created_at IS strftime('%Y-%m-%dT%H:%M:%SZ', created_at, '+0 days')),
  updated_at       TEXT NOT NULL CHECK (updated_at IS strftime('%Y-%m-%dT%H:%M:%SZ', updated_at, '+0 days')),
  version          INTEGER NOT NULL DEFAULT 1,
  CHECK ((status = 'deceased') = (deceased_date IS NOT NULL)),
  CHECK (deceased_date IS NULL OR deceased_date >= dob)
) STRICT;
CREATE INDEX patients_dob ON patients(dob);
CREATE INDEX patients_phone ON patients(phone_digits) WHERE phone_digits <> '';
CREATE INDEX patients_recent ON patients(last_opened_at) WHERE last_opened_at IS NOT NULL;
CREATE INDEX patients_family ON patients(family_name, given_name);

-- Normalised name tokens (case-folded, accents removed, by C code that
-- uses libunistring) for prefix search in any order: "jose gar" finds
-- "José García".  Maintained by the storage layer with the patient row.
CREATE TABLE patient_name_tokens (
  token       TEXT NOT NULL,
  patient_id  INTEGER NOT NULL REFERENCES patients(id),
  PRIMARY KEY (token, patient_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX patient_name_tokens_patient ON patient_name_tokens(patient_id);

-- Charts are never deleted.
CREATE TRIGGER patients_no_delete BEFORE DELETE ON patients
BEGIN SELECT RAISE(ABORT, 'patients are never deleted: set status inactive instead'); END;

------------------------------------------------------------------------
-- Code systems.  ICD-10-CM comes from the official CMS/NCHS release
-- (data/icd10cm); LOINC and CVX are curated subsets with their sources in
-- data/.  Codes are never deleted: a code dropped by a later release keeps
-- its row with active = 0, so charts that use it stay valid.

CREATE TABLE icd10cm (
  id            INTEGER PRIMARY KEY,               -- rowid, for the full-text index
  code          TEXT NOT NULL UNIQUE CHECK (length(code) BETWEEN 3 AND 7 AND code NOT GLOB '*[^A-Z0-9]*'),
  description   TEXT NOT NULL,
  first_release INTEGER NOT NULL,                  -- fiscal year, e.g. 2026
  last_release  INTEGER NOT NULL,
  active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
) STRICT;

CREATE TRIGGER icd10cm_no_delete BEFORE DELETE ON icd10cm
BEGIN SELECT RAISE(ABORT, 'ICD-10-CM codes are never deleted: mark them inactive'); END;

CREATE TABLE loinc (
  code            TEXT PRIMARY KEY CHECK (code GLOB '[0-9]*-[0-9]'),
  name            TEXT NOT NULL,                   -- LOINC long common name
  short_name      TEXT NOT NULL,                   -- what a screen column shows
  kind            TEXT NOT NULL CHECK (kind IN ('vital', 'lab')),
  unit            TEXT NOT NULL,                   -- UCUM code of the canonical unit
  -- Limits of what is physically plausible in the canonical unit; values
  -- outside are refused as typing errors (not as abnormal results).
  plausible_low   REAL,
  plausible_high  REAL,
  -- Default adult reference interval, copied onto a result when it has none.
  ref_low         REAL,
  ref_high        REAL,
  panel           TEXT NOT NULL DEFAULT '',        -- 'lipid', 'bmp', 'a1c', 'vitals', ...
  sort_order      INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE cvx (
  code        TEXT PRIMARY KEY CHECK (code NOT GLOB '*[^0-9]*' AND length(code) BETWEEN 1 AND 3),
  short_name  TEXT NOT NULL,
  full_name   TEXT NOT NULL,
  active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
) STRICT;

------------------------------------------------------------------------
-- The chart.  Every clinical table carries the same retirement columns:
-- retired_at and retired_reason are set exactly when status says the
-- record is entered-in-error, and retired_by names who said so.

CREATE TABLE problems (
  id              INTEGER PRIMARY KEY,
  patient_id      INTEGER NOT NULL REFERENCES patients(id),
  icd10           TEXT REFERENCES icd10cm(code),
  snomed          TEXT CHECK (snomed IS NULL OR snomed NOT GLOB '*[^0-9]*'),
  description     TEXT NOT NULL CHECK (length(description) BETWEEN 1 AND 500),
  onset_date      TEXT CHECK (onset_date IS NULL OR onset_date IS date(onset_date, '+0 days')),
  status          TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'resolved', 'entered-in-error')),
  resolved_date   TEXT CHECK (resolved_date IS NULL OR resolved_date IS date(resolved_date, '+0 days')),
  note            TEXT NOT NULL DEFAULT '',
  recorded_by     INTEGER REFERENCES users(id),
  created_at      TEXT NOT NULL CHECK (created_at IS strftime('%Y-%m-%dT%H:%M:%SZ', created_at, '+0 days')),
  updated_at      TEXT NOT NULL CHECK (updated_at IS strftime('%Y-%m-%dT%H:%M:%SZ', updated_at, '+0 days')),
  version         INTEGER NOT NULL DEFAULT 1,
  retired_at      TEXT CHECK (retired_at IS NULL OR retired_at IS strftime('%Y-%m-%dT%H:%M:%SZ', retired_at, '+0 days')),
  retired_by      INTEGER REFERENCES users(id),
  retired_reason  TEXT,
  CHECK (icd10 IS NOT NULL OR snomed IS NOT NULL),
  CHECK ((status = 'resolved') = (resolved_date IS NOT NULL) OR status = 'entered-in-error'),
  CHECK (resolved_date IS NULL OR onset_date IS NULL OR resolved_date >= onset_date),
  CHECK ((status = 'entered-in-error') = (retired_at IS NOT NULL AND retired_reason IS NOT NULL AND length(retired_reason) > 0))
) STRICT;
CREATE INDEX problems_patient ON problems(patient_id, status);

CREATE TABLE allergies (
  id              INTEGER PRIMARY KEY,
  patient_id      INTEGER NOT NULL REFERENCES patients(id),
  -- An explicit "no known drug allergies" is a row of its own with
  -- is_nkda = 1 and no substance.
  is_nkda         INTEGER NOT NULL DEFAULT 0 CHECK (is_nkda IN (0, 1)),
  substance       TEXT,
  substance_code  TEXT,                             -- RxNorm ingredient or SNOMED CT, when known
  category        TEXT NOT NULL DEFAULT 'drug' CHECK (category IN ('drug', 'food', 'environment', 'other')),
  reaction        TEXT NOT NULL DEFAULT '',
  severity        TEXT CHECK (severity IS NULL OR severity IN ('mild', 'moderate', 'severe')),
  status          TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive', 'resolved', 'entered-in-error')),
  onset_date      TEXT CHECK (onset_date IS NULL OR onset_date IS date(onset_date, '+0 days')),
  recorded_by     INTEGER REFERENCES users(id),
  created_at      TEXT NOT NULL CHECK (created_at IS strftime('%Y-%m-%dT%H:%M:%SZ', created_at, '+0 days')),
  updated_at      TEXT NOT NULL CHECK (updated_at IS strftime('%Y-%m-%dT%H:%M:%SZ', updated_at, '+0 days')),
  version         INTEGER NOT NULL DEFAULT 1,
  retired_at      TEXT CHECK (retired_at IS NULL OR retired_at IS strftime('%Y-%m-%dT%H:%M:%SZ', retired_at, '+0 days')),
  retired_by      INTEGER REFERENCES users(id),
  retired_reason  TEXT,
  CHECK (is_nkda = 1 AND substance IS NULL OR is_nkda = 0 AND substance IS NOT NULL AND length(substance) BETWEEN 1 AND 200),
  CHECK ((status = 'entered-in-error') = (retired_at IS NOT NULL AND retired_reason IS NOT NULL AND length(retired_reason) > 0))
) STRICT;
CREATE INDEX allergies_patient ON allergies(patient_id, status);

-- Medications: both what the patient takes (reported) and what this
-- practice prescribes (is_prescription = 1).
CREATE TABLE medications (
  id              INTEGER PRIMARY KEY,
  patient_id      INTEGER NOT NULL REFERENCES patients(id),
  encounter_id    INTEGER REFERENCES encounters(id),
  drug            TEXT NOT NULL CHECK (length(drug) BETWEEN 1 AND 200),   -- ingredient name, e.g. "lisinopril"
  rxnorm          TEXT CHECK (rxnorm IS NULL OR rxnorm NOT GLOB '*[^0-9]*'),
  strength        TEXT NOT NULL DEFAULT '',                               -- "10 mg"
  form            TEXT NOT NULL DEFAULT '',                               -- "oral tablet"
  route           TEXT NOT NULL DEFAULT '',                               -- "oral"
  sig             TEXT NOT NULL DEFAULT '',                               -- "Take 1 tablet by mouth daily"
  quantity        REAL CHECK (quantity IS NULL OR (quantity > 0 AND quantity <= 10000)),
  quantity_unit   TEXT NOT NULL DEFAULT '',                               -- "tablet"
  refills         INTEGER NOT NULL DEFAULT 0 CHECK (refills BETWEEN 0 AND 99),
  start_date      TEXT CHECK (start_date IS NULL OR start_date IS date(start_date, '+0 days')),
  stop_date       TEXT CHECK (stop_date IS NULL OR stop_date IS date(stop_date, '+0 days')),
  prescriber_id   INTEGER REFERENCES users(id),
  is_prescription INTEGER NOT NULL DEFAULT 0 CHECK (is_prescription IN (0, 1)),
  status          TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'stopped', 'completed', 'entered-in-error')),
  reason          TEXT NOT NULL DEFAULT '',                               -- indication
  stop_reason     TEXT,
  -- When the prescriber went ahead despite an allergy warning: what was
  -- shown and who acknowledged it.
  allergy_override TEXT,
  created_at      TEXT NOT NULL CHECK (created_at IS strftime('%Y-%m-%dT%H:%M:%SZ', created_at, '+0 days')),
  updated_at      TEXT NOT NULL CHECK (updated_at IS strftime('%Y-%m-%dT%H:%M:%SZ', updated_at, '+0 days')),
  version         INTEGER NOT NULL DEFAULT 1,
  retired_at      TEXT CHECK (retired_at IS NULL OR retired_at IS strftime('%Y-%m-%dT%H:%M:%SZ', retired_at, '+0 days')),
  retired_by      INTEGER REFERENCES users(id),
  retired_reason  TEXT,
  CHECK (stop_date IS NULL OR start_date IS NULL OR stop_date >= start_date),
  CHECK (status <> 'stopped' OR (stop_date IS NOT NULL AND stop_reason IS NOT NULL)),
  CHECK (is_prescription = 0 OR prescriber_id IS NOT NULL),
  CHECK ((status = 'entered-in-error') = (retired_at IS NOT NULL AND retired_reason IS NOT NULL AND length(retired_reason) > 0))
) STRICT;
CREATE INDEX medications_patient ON medications(patient_id, status);

-- Observations: vital signs and laboratory results, one row per LOINC code
-- (blood pressure is two rows, systolic 8480-6 and diastolic 8462-4, that
-- share panel_id).
CREATE TABLE observations (
  id              INTEGER PRIMARY KEY,
  patient_id      INTEGER NOT NULL REFERENCES patients(id),
  encounter_id    INTEGER REFERENCES encounters(id),
  loinc           TEXT NOT NULL REFERENCES loinc(code),
  panel_id        INTEGER,                           -- rows measured together share it
  value_num       REAL,
  value_text      TEXT,
  unit            TEXT NOT NULL DEFAULT '',           -- UCUM
  ref_low         REAL,
  ref_high        REAL,
  ref_text        TEXT NOT NULL DEFAULT '',
  -- HL7 v2 table 0078 interpretation: L/H/LL/HH/N, A for abnormal text.
  flag            TEXT CHECK (flag IS NULL OR flag IN ('N', 'L', 'H', 'LL', 'HH', 'A')),
  effective_at    TEXT NOT NULL CHECK (effective_at IS strftime('%Y-%m-%dT%H:%M:%SZ', effective_at, '+0 days')),
  status          TEXT NOT NULL DEFAULT 'final' CHECK (status IN ('preliminary', 'final', 'amended', 'entered-in-error')),
  recorded_by     INTEGER REFERENCES users(id),
  created_at      TEXT NOT NULL CHECK (created_at IS strftime('%Y-%m-%dT%H:%M:%SZ', created_at, '+0 days')),
  retired_at      TEXT CHECK (retired_at IS NULL OR retired_at IS strftime('%Y-%m-%dT%H:%M:%SZ', retired_at, '+0 days')),
  retired_by      INTEGER REFERENCES users(id),
  retired_reason  TEXT,
  CHECK (value_num IS NOT NULL OR value_text IS NOT NULL),
  CHECK (ref_low IS NULL OR ref_high IS NULL OR ref_low <= ref_high),
  CHECK ((status = 'entered-in-error') = (retired_at IS NOT NULL AND retired_reason IS NOT NULL AND length(retired_reason) > 0))
) STRICT;
CREATE INDEX observations_patient ON observations(patient_id, loinc, effective_at);
CREATE INDEX observations_recent ON observations(patient_id, effective_at);
CREATE INDEX observations_encounter ON observations(encounter_id) WHERE encounter_id IS NOT NULL;

-- A value outside what a body can physically produce, in the code's
-- canonical unit, is a typing error; refuse it here too, not only in C.
CREATE TRIGGER observations_plausible BEFORE INSERT ON observations
WHEN NEW.value_num IS NOT NULL AND EXISTS (
  SELECT 1 FROM loinc l WHERE l.code = NEW.loinc AND l.unit = NEW.unit
     AND (NEW.value_num < l.plausible_low OR NEW.value_num > l.plausible_high))
BEGIN SELECT RAISE(ABORT, 'observation value outside the plausible range for its LOINC code'); END;
CREATE TRIGGER observations_plausible_update BEFORE UPDATE OF value_num, unit, loinc ON observations
WHEN NEW.value_num IS NOT NULL AND EXISTS (
  SELECT 1 FROM loinc l WHERE l.code = NEW.loinc AND l.unit = NEW.unit
     AND (NEW.value_num < l.plausible_low OR NEW.value_num > l.plausible_high))
BEGIN SELECT RAISE(ABORT, 'observation value outside the plausible range for its LOINC code'); END;

-- Vital signs are always stored in the unit of the FHIR vital-signs
-- profile (kg, cm, Cel, mm[Hg], /min, %), so a plausibility check, a trend
-- and a BMI never mix pounds with kilograms.
CREATE TRIGGER observations_vital_unit BEFORE INSERT ON observations
WHEN EXISTS (SELECT 1 FROM loinc l WHERE l.code = NEW.loinc AND l.kind = 'vital' AND l.unit <> NEW.unit)
BEGIN SELECT RAISE(ABORT, 'vital signs must be stored in their canonical UCUM unit'); END;

CREATE TABLE immunizations (
  id              INTEGER PRIMARY KEY,
  patient_id      INTEGER NOT NULL REFERENCES patients(id),
  encounter_id    INTEGER REFERENCES encounters(id),
  cvx             TEXT NOT NULL REFERENCES cvx(code),
  administered_on TEXT NOT NULL CHECK (administered_on IS date(administered_on, '+0 days')),
  lot             TEXT NOT NULL DEFAULT '',
  manufacturer    TEXT NOT NULL DEFAULT '',
  site            TEXT NOT NULL DEFAULT '' CHECK (site IN ('', 'left deltoid', 'right deltoid', 'left thigh', 'right thigh', 'left arm', 'right arm', 'oral', 'intranasal', 'other')),
  route           TEXT NOT NULL DEFAULT '' CHECK (route IN ('', 'IM', 'SC', 'ID', 'PO', 'IN', 'other')),
  dose_number     INTEGER CHECK (dose_number IS NULL OR dose_number BETWEEN 1 AND 20),
  status          TEXT NOT NULL DEFAULT 'completed' CHECK (status IN ('completed', 'not-done', 'entered-in-error')),
  performer_id    INTEGER REFERENCES users(id),
  created_at      TEXT NOT NULL CHECK (created_at IS strftime('%Y-%m-%dT%H:%M:%SZ', created_at, '+0 days')),
  retired_at      TEXT CHECK (retired_at IS NULL OR retired_at IS strftime('%Y-%m-%dT%H:%M:%SZ', retired_at, '+0 days')),
  retired_by      INTEGER REFERENCES users(id),
  retired_reason  TEXT,
  CHECK ((status = 'entered-in-error') = (retired_at IS NOT NULL AND retired_reason IS NOT NULL AND length(retired_reason) > 0))
) STRICT;
CREATE INDEX immunizations_patient ON immunizations(patient_id, administered_on);

------------------------------------------------------------------------
-- Visits and their notes.

CREATE TABLE encounters (
  id              INTEGER PRIMARY KEY,
  patient_id      INTEGER NOT NULL REFERENCES patients(id),
  provider_id     INTEGER REFERENCES users(id),
  appointment_id  INTEGER REFERENCES appointments(id),
  start_at        TEXT NOT NULL CHECK (start_at IS strftime('%Y-%m-%dT%H:%M:%SZ', start_at, '+0 days')),
  end_at          TEXT CHECK (end_at IS NULL OR end_at IS strftime('%Y-%m-%dT%H:%M:%SZ', end_at, '+0 days')),
  type            TEXT NOT NULL CHECK (type IN ('office', 'telehealth', 'phone', 'home', 'hospital', 'other')),
  reason          TEXT NOT NULL DEFAULT '',
  status          TEXT NOT NULL DEFAULT 'in-progress' CHECK (status IN ('planned', 'in-progress', 'finished', 'cancelled', 'entered-in-error')),
  followup_days   INTEGER CHECK (followup_days IS NULL OR followup_days BETWEEN 1 AND 730),
  created_at      TEXT NOT NULL CHECK (created_at IS strftime('%Y-%m-%dT%H:%M:%SZ', created_at, '+0 days')),
  retired_at      TEXT CHECK (retired_at IS NULL OR retired_at IS strftime('%Y-%m-%dT%H:%M:%SZ', retired_at, '+0 days')),
  retired_by      INTEGER REFERENCES users(id),
  retired_reason  TEXT,
  CHECK (end_at IS NULL OR end_at >= start_at),
  CHECK ((status = 'entered-in-error') = (retired_at IS NOT NULL AND retired_reason IS NOT NULL AND length(retired_reason) > 0))
) STRICT;
CREATE INDEX encounters_patient ON encounters(patient_id, start_at);
CREATE INDEX encounters_start ON encounters(start_at);

-- Diagnoses addressed at a visit, in claim order; charges point at them.
CREATE TABLE encounter_diagnoses (
  encounter_id  INTEGER NOT NULL REFERENCES encounters(id),
  rank          INTEGER NOT NULL CHECK (rank BETWEEN 1 AND 12),
  icd10         TEXT NOT NULL REFERENCES icd10cm(code),
  problem_id    INTEGER REFERENCES problems(id),
  PRIMARY KEY (encounter_id, rank)
) STRICT;

CREATE TABLE note_templates (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 64),
  body        TEXT NOT NULL,
  is_default  INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
  updated_at  TEXT NOT NULL CHECK (updated_at IS strftime('%Y-%m-%dT%H:%M:%SZ', updated_at, '+0 days'))
) STRICT;
CREATE UNIQUE INDEX note_templates_one_default ON note_templates(is_default) WHERE is_default = 1;

-- Dot-phrases: ".name" in a note expands to body.  user_id NULL = everyone's.
CREATE TABLE phrases (
  id       INTEGER PRIMARY KEY,
  user_id  INTEGER REFERENCES users(id),
  name     TEXT NOT NULL CHECK (name GLOB '[a-z]*' AND name NOT GLOB '*[^a-z0-9_-]*' AND length(name) <= 32),
  body     TEXT NOT NULL
) STRICT;
-- One phrase per name per user, and one shared one (user_id NULL counts
-- as a single owner here, which a plain UNIQUE would not do).
CREATE UNIQUE INDEX phrases_name ON phrases(ifnull(user_id, 0), name);

CREATE TABLE notes (
  id            INTEGER PRIMARY KEY,
  encounter_id  INTEGER NOT NULL REFERENCES encounters(id),
  patient_id    INTEGER NOT NULL REFERENCES patients(id),
  author_id     INTEGER NOT NULL REFERENCES users(id),
  template      TEXT NOT NULL DEFAULT '',
  body          TEXT NOT NULL DEFAULT '',          -- Markdown (CommonMark)
  status        TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'signed', 'entered-in-error')),
  signed_by     INTEGER REFERENCES users(id),
  signed_at     TEXT CHECK (signed_at IS NULL OR signed_at IS strftime('%Y-%m-%dT%H:%M:%SZ', signed_at, '+0 days')),
  created_at    TEXT NOT NULL CHECK (created_at IS strftime('%Y-%m-%dT%H:%M:%SZ', created_at, '+0 days')),
  updated_at    TEXT NOT NULL CHECK (updated_at IS strftime('%Y-%m-%dT%H:%M:%SZ', updated_at, '+0 days')),
  version       INTEGER NOT NULL DEFAULT 1,
  retired_at    TEXT CHECK (retired_at IS NULL OR retired_at IS strftime('%Y-%m-%dT%H:%M:%SZ', retired_at, '+0 days')),
  retired_by    INTEGER REFERENCES users(id),
  retired_reason TEXT,
  CHECK ((status = 'signed') = (signed_by IS NOT NULL AND signed_at IS NOT NULL)),
  CHECK ((status = 'entered-in-error') = (retired_at IS NOT NULL AND retired_reason IS NOT NULL AND length(retired_reason) > 0))
) STRICT;
CREATE INDEX notes_encounter ON notes(encounter_id);
CREATE INDEX notes_patient ON notes(patient_id, created_at);
CREATE INDEX notes_unsigned ON notes(author_id) WHERE status = 'draft';

-- A signed note is a legal document: nothing about it changes, and it is
-- never deleted.  Only addenda are added.
CREATE TRIGGER notes_signed_immutable BEFORE UPDATE ON notes
WHEN OLD.status = 'signed'
BEGIN SELECT RAISE(ABORT, 'signed notes are immutable: add an addendum'); END;

CREATE TRIGGER notes_no_delete BEFORE DELETE ON notes
BEGIN SELECT RAISE(ABORT, 'notes are never deleted: a draft can be marked entered-in-error'); END;

-- Signing: only a draft with text can be signed, and only as itself.
CREATE TRIGGER notes_sign_needs_text BEFORE UPDATE OF status ON notes
WHEN NEW.status = 'signed' AND length(trim(NEW.body, ' ' || char(9, 10, 13))) = 0
BEGIN SELECT RAISE(ABORT, 'an empty note cannot be signed'); END;
CREATE TRIGGER notes_insert_signed_needs_text BEFORE INSERT ON notes
WHEN NEW.status = 'signed' AND length(trim(NEW.body, ' ' || char(9, 10, 13))) = 0
BEGIN SELECT RAISE(ABORT, 'an empty note cannot be signed'); END;
-- A draft marked entered-in-error stays so.
CREATE TRIGGER notes_stay_retired BEFORE UPDATE ON notes WHEN OLD.status = 'entered-in-error'
BEGIN SELECT RAISE(ABORT, 'a record entered in error cannot be changed'); END;

CREATE TABLE note_addenda (
  id          INTEGER PRIMARY KEY,
  note_id     INTEGER NOT NULL REFERENCES notes(id),
  author_id   INTEGER NOT NULL REFERENCES users(id),
  body        TEXT NOT NULL CHECK (length(trim(body, ' ' || char(9, 10, 13))) > 0),
  created_at  TEXT NOT NULL CHECK (created_at IS strftime('%Y-%m-%dT%H:%M:%SZ', created_at, '+0 days'))
) STRICT;
CREATE INDEX note_addenda_note ON note_addenda(note_id);

CREATE TRIGGER note_addenda_only_signed BEFORE INSERT ON note_addenda
WHEN (SELECT status FROM notes WHERE id = NEW.note_id) IS NOT 'signed'
BEGIN SELECT RAISE(ABORT, 'addenda are added to signed notes only: edit the draft instead'); END;
CREATE TRIGGER note_addenda_no_update BEFORE UPDATE ON note_addenda
BEGIN SELECT RAISE(ABORT, 'addenda are immutable'); END;
CREATE TRIGGER note_addenda_no_delete BEFORE DELETE ON note_addenda
BEGIN SELECT RAISE(ABORT, 'addenda are never deleted'); END;

------------------------------------------------------------------------
-- The schedule.  start_at is a UTC instant; the UI shows it in the
-- practice's time zone.

CREATE TABLE appointments (
  id              INTEGER PRIMARY KEY,
  patient_id      INTEGER NOT NULL REFERENCES patients(id),
  provider_id     INTEGER NOT NULL REFERENCES users(id),
  start_at        TEXT NOT NULL CHECK (start_at IS strftime('%Y-%m-%dT%H:%M:%SZ', start_at, '+0 days')),
  duration_min    INTEGER NOT NULL CHECK (duration_min BETWEEN 5 AND 480),
  type            TEXT NOT NULL DEFAULT 'follow-up' CHECK (type IN ('new', 'follow-up', 'annual', 'acute', 'procedure', 'telehealth')),
  reason          TEXT NOT NULL DEFAULT '',
  status          TEXT NOT NULL DEFAULT 'booked' CHECK (status IN ('booked', 'arrived', 'in-room', 'done', 'no-show', 'cancelled')),
  overbook        INTEGER NOT NULL DEFAULT 0 CHECK (overbook IN (0, 1)),
  cancel_reason   TEXT,
  created_at      TEXT NOT NULL CHECK (created_at IS strftime('%Y-%m-%dT%H:%M:%SZ', created_at, '+0 days')),
  updated_at      TEXT NOT NULL CHECK (updated_at IS strftime('%Y-%m-%dT%H:%M:%SZ', updated_at, '+0 days')),
  version         INTEGER NOT NULL DEFAULT 1,
  CHECK ((status = 'cancelled') = (cancel_reason IS NOT NULL AND length(cancel_reason) > 0))
) STRICT;
CREATE INDEX appointments_provider ON appointments(provider_id, start_at);
CREATE INDEX appointments_patient ON appointments(patient_id, start_at);

-- A provider is never double-booked by accident: an overlapping live
-- appointment is refused unless the new one is marked as an overbook.
CREATE TRIGGER appointments_no_double_booking BEFORE INSERT ON appointments
WHEN NEW.overbook = 0 AND NEW.status NOT IN ('cancelled', 'no-show') AND EXISTS (
  SELECT 1 FROM appointments a
   WHERE a.provider_id = NEW.provider_id AND a.status NOT IN ('cancelled', 'no-show')
     AND a.start_at < strftime('%Y-%m-%dT%H:%M:%SZ', NEW.start_at, '+' || NEW.duration_min || ' minutes')
     AND strftime('%Y-%m-%dT%H:%M:%SZ', a.start_at, '+' || a.duration_min || ' minutes') > NEW.start_at)
BEGIN SELECT RAISE(ABORT, 'the provider already has an appointment at that time (book it as an overbook to allow it)'); END;

-- Only a change that could create an overlap is checked: a move, a new
-- length or provider, or bringing a cancelled/no-show slot back.  Moving
-- between live statuses (booked -> arrived) must stay possible even when
-- an overbook shares the slot.
CREATE TRIGGER appointments_no_double_booking_move BEFORE UPDATE OF start_at, duration_min, provider_id, status ON appointments
WHEN NEW.overbook = 0 AND NEW.status NOT IN ('cancelled', 'no-show')
 AND (NEW.start_at <> OLD.start_at OR NEW.duration_min <> OLD.duration_min OR NEW.provider_id <> OLD.provider_id
      OR OLD.status IN ('cancelled', 'no-show'))
 AND EXISTS (
  SELECT 1 FROM appointments a
   WHERE a.id <> NEW.id AND a.provider_id = NEW.provider_id AND a.status NOT IN ('cancelled', 'no-show')
     AND a.start_at < strftime('%Y-%m-%dT%H:%M:%SZ', NEW.start_at, '+' || NEW.duration_min || ' minutes')
     AND strftime('%Y-%m-%dT%H:%M:%SZ', a.start_at, '+' || a.duration_min || ' minutes') > NEW.start_at)
BEGIN SELECT RAISE(ABORT, 'the provider already has an appointment at that time (book it as an overbook to allow it)'); END;

CREATE TRIGGER appointments_no_delete BEFORE DELETE ON appointments
BEGIN SELECT RAISE(ABORT, 'appointments are never deleted: cancel them with a reason'); END;

------------------------------------------------------------------------
-- Billing.  Every amount is INTEGER cents.

CREATE TABLE fee_schedule (
  code         TEXT PRIMARY KEY CHECK (code GLOB '[0-9][0-9][0-9][0-9][0-9]' OR code GLOB '[0-9][0-9][0-9][0-9][A-Z]' OR code GLOB '[A-V][0-9][0-9][0-9][0-9]'),
  code_system  TEXT NOT NULL CHECK (code_system IN ('CPT', 'HCPCS')),
  description  TEXT NOT NULL CHECK (length(description) BETWEEN 1 AND 200),
  fee_cents    INTEGER NOT NULL CHECK (fee_cents >= 0),
  active       INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
) STRICT;

CREATE TABLE charges (
  id            INTEGER PRIMARY KEY,
  encounter_id  INTEGER NOT NULL REFERENCES encounters(id),
  code          TEXT NOT NULL REFERENCES fee_schedule(code),
  modifiers     TEXT NOT NULL DEFAULT '' CHECK (modifiers = '' OR modifiers GLOB '[0-9A-Z][0-9A-Z]' OR modifiers GLOB '[0-9A-Z][0-9A-Z],[0-9A-Z][0-9A-Z]' OR modifiers GLOB '[0-9A-Z][0-9A-Z],[0-9A-Z][0-9A-Z],[0-9A-Z][0-9A-Z]' OR modifiers GLOB '[0-9A-Z][0-9A-Z],[0-9A-Z][0-9A-Z],[0-9A-Z][0-9A-Z],[0-9A-Z][0-9A-Z]'),
  units         INTEGER NOT NULL DEFAULT 1 CHECK (units BETWEEN 1 AND 999),
  fee_cents     INTEGER NOT NULL CHECK (fee_cents >= 0),   -- unit fee at the time of the charge
  dx_pointers   TEXT NOT NULL DEFAULT '1' CHECK (dx_pointers GLOB '[1-9]*' AND dx_pointers NOT GLOB '*[^0-9,]*'),
  invoice_id    INTEGER REFERENCES invoices(id),
  status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'invoiced', 'void')),
  created_at    TEXT NOT NULL CHECK (created_at IS strftime('%Y-%m-%dT%H:%M:%SZ', created_at, '+0 days')),
  CHECK ((status = 'invoiced') = (invoice_id IS NOT NULL))
) STRICT;
CREATE INDEX charges_encounter ON charges(encounter_id);

CREATE TABLE invoices (
  id            INTEGER PRIMARY KEY,
  patient_id    INTEGER NOT NULL REFERENCES patients(id),
  encounter_id  INTEGER NOT NULL REFERENCES encounters(id),
  number        TEXT NOT NULL UNIQUE,
  service_date  TEXT NOT NULL CHECK (service_date IS date(service_date, '+0 days')),
  total_cents   INTEGER NOT NULL CHECK (total_cents >= 0),
  status        TEXT NOT NULL DEFAULT 'issued' CHECK (status IN ('issued')),
  issued_at     TEXT NOT NULL CHECK (issued_at IS strftime('%Y-%m-%dT%H:%M:%SZ', issued_at, '+0 days')),
  issued_by     INTEGER REFERENCES users(id)
) STRICT;
CREATE INDEX invoices_patient ON invoices(patient_id);

-- An issued invoice is history: corrections are ledger entries.
CREATE TRIGGER invoices_immutable BEFORE UPDATE ON invoices
BEGIN SELECT RAISE(ABORT, 'issued invoices are immutable: post an adjustment instead'); END;
CREATE TRIGGER invoices_no_delete BEFORE DELETE ON invoices
BEGIN SELECT RAISE(ABORT, 'issued invoices are never deleted: post an adjustment instead'); END;
CREATE TRIGGER charges_invoiced_immutable BEFORE UPDATE ON charges
WHEN OLD.status = 'invoiced'
BEGIN SELECT RAISE(ABORT, 'an invoiced charge is immutable: post an adjustment instead'); END;
CREATE TRIGGER charges_no_delete BEFORE DELETE ON charges
BEGIN SELECT RAISE(ABORT, 'charges are never deleted: void them'); END;

-- The ledger: one signed amount per entry, positive = owed by the patient.
-- A patient's balance is SUM(amount_cents) of their entries.
CREATE TABLE ledger (
  id            INTEGER PRIMARY KEY,
  patient_id    INTEGER NOT NULL REFERENCES patients(id),
  invoice_id    INTEGER REFERENCES invoices(id),
  kind          TEXT NOT NULL CHECK (kind IN ('charge', 'payment', 'adjustment', 'refund')),
  amount_cents  INTEGER NOT NULL,
  method        TEXT CHECK (method IS NULL OR method IN ('cash', 'card', 'check', 'insurance')),
  reference     TEXT NOT NULL DEFAULT '',
  memo          TEXT NOT NULL DEFAULT '',
  posted_at     TEXT NOT NULL CHECK (posted_at IS strftime('%Y-%m-%dT%H:%M:%SZ', posted_at, '+0 days')),
  posted_by     INTEGER REFERENCES users(id),
  CHECK (kind <> 'charge' OR amount_cents >= 0),
  CHECK (kind <> 'payment' OR (amount_cents < 0 AND method IS NOT NULL)),
  CHECK (kind <> 'refund' OR amount_cents > 0)
) STRICT;
CREATE INDEX ledger_patient ON ledger(patient_id, posted_at);
CREATE INDEX ledger_invoice ON ledger(invoice_id) WHERE invoice_id IS NOT NULL;
CREATE INDEX ledger_posted ON ledger(posted_at);

CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: post a correcting entry'); END;
CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: post a correcting entry'); END;

------------------------------------------------------------------------
-- The audit log: append-only and hash-chained.  hash = BLAKE2b-256 over
-- the row's fields and prev_hash (src/audit.c says exactly which bytes);
-- `emr audit verify` walks the chain.

CREATE TABLE audit_events (
  id          INTEGER PRIMARY KEY,
  at          TEXT NOT NULL CHECK (at IS strftime('%Y-%m-%dT%H:%M:%SZ', at, '+0 days')),
  user_id     INTEGER REFERENCES users(id),
  login       TEXT NOT NULL,                       -- kept verbatim even if the user row changes
  action      TEXT NOT NULL CHECK (action IN (
                'open-chart', 'create', 'update', 'retire', 'sign', 'addendum',
                'print', 'export', 'import', 'search', 'backup', 'restore', 'login',
                'unlock-failed', 'permission-denied', 'init')),
  entity      TEXT NOT NULL DEFAULT '',            -- table name, e.g. 'problems'
  entity_id   INTEGER,
  patient_id  INTEGER REFERENCES patients(id),
  detail      TEXT NOT NULL DEFAULT '',
  prev_hash   TEXT NOT NULL CHECK (length(prev_hash) = 64),
  hash        TEXT NOT NULL UNIQUE CHECK (length(hash) = 64)
) STRICT;
CREATE INDEX audit_patient ON audit_events(patient_id, at) WHERE patient_id IS NOT NULL;
CREATE INDEX audit_user ON audit_events(user_id, at);

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;

------------------------------------------------------------------------
-- No clinical record is ever deleted: it is retired (entered-in-error)
-- with a time, a user and a reason, and stays visible in its history.

CREATE TRIGGER problems_no_delete BEFORE DELETE ON problems
BEGIN SELECT RAISE(ABORT, 'clinical records are never deleted: retire them as entered-in-error'); END;
CREATE TRIGGER allergies_no_delete BEFORE DELETE ON allergies
BEGIN SELECT RAISE(ABORT, 'clinical records are never deleted: retire them as entered-in-error'); END;
CREATE TRIGGER medications_no_delete BEFORE DELETE ON medications
BEGIN SELECT RAISE(ABORT, 'clinical records are never deleted: retire them as entered-in-error'); END;
CREATE TRIGGER observations_no_delete BEFORE DELETE ON observations
BEGIN SELECT RAISE(ABORT, 'clinical records are never deleted: retire them as entered-in-error'); END;
CREATE TRIGGER immunizations_no_delete BEFORE DELETE ON immunizations
BEGIN SELECT RAISE(ABORT, 'clinical records are never deleted: retire them as entered-in-error'); END;
CREATE TRIGGER encounters_no_delete BEFORE DELETE ON encounters
BEGIN SELECT RAISE(ABORT, 'clinical records are never deleted: retire them as entered-in-error'); END;

-- A retired record stays retired: un-retiring would rewrite history.
CREATE TRIGGER problems_stay_retired BEFORE UPDATE ON problems WHEN OLD.status = 'entered-in-error'
BEGIN SELECT RAISE(ABORT, 'a record entered in error cannot be changed'); END;
CREATE TRIGGER allergies_stay_retired BEFORE UPDATE ON allergies WHEN OLD.status = 'entered-in-error'
BEGIN SELECT RAISE(ABORT, 'a record entered in error cannot be changed'); END;
CREATE TRIGGER medications_stay_retired BEFORE UPDATE ON medications WHEN OLD.status = 'entered-in-error'
BEGIN SELECT RAISE(ABORT, 'a record entered in error cannot be changed'); END;
CREATE TRIGGER observations_stay_retired BEFORE UPDATE ON observations WHEN OLD.status = 'entered-in-error'
BEGIN SELECT RAISE(ABORT, 'a record entered in error cannot be changed'); END;
CREATE TRIGGER immunizations_stay_retired BEFORE UPDATE ON immunizations WHEN OLD.status = 'entered-in-error'
BEGIN SELECT RAISE(ABORT, 'a record entered in error cannot be changed'); END;
CREATE TRIGGER encounters_stay_retired BEFORE UPDATE ON encounters WHEN OLD.status = 'entered-in-error'
BEGIN SELECT RAISE(ABORT, 'a record entered in error cannot be changed'); END;

-- @migration 2: full-text search over ICD-10-CM descriptions and visit notes

-- "type 2 diab" finds E11.9: word-prefix search over code descriptions.
CREATE VIRTUAL TABLE icd10cm_fts USING fts5(
  description, content = 'icd10cm', content_rowid = 'id',
  tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3');
INSERT INTO icd10cm_fts(icd10cm_fts) VALUES ('rebuild');

CREATE TRIGGER icd10cm_fts_insert AFTER INSERT ON icd10cm BEGIN
  INSERT INTO icd10cm_fts(rowid, description) VALUES (NEW.id, NEW.description);
END;
CREATE TRIGGER icd10cm_fts_update AFTER UPDATE OF description ON icd10cm BEGIN
  INSERT INTO icd10cm_fts(icd10cm_fts, rowid, description) VALUES ('delete', OLD.id, OLD.description);
  INSERT INTO icd10cm_fts(rowid, description) VALUES (NEW.id, NEW.description);
END;

-- Every word of every note, kept in step with notes by triggers.
CREATE VIRTUAL TABLE notes_fts USING fts5(
  body, content = 'notes', content_rowid = 'id',
  tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO notes_fts(notes_fts) VALUES ('rebuild');

CREATE TRIGGER notes_fts_insert AFTER INSERT ON notes BEGIN
  INSERT INTO notes_fts(rowid, body) VALUES (NEW.id, NEW.body);
END;
CREATE TRIGGER notes_fts_update AFTER UPDATE OF body ON notes BEGIN
  INSERT INTO notes_fts(notes_fts, rowid, body) VALUES ('delete', OLD.id, OLD.body);
  INSERT INTO notes_fts(rowid, body) VALUES (NEW.id, NEW.body);
END;

-- @migration 3: FHIR interchange: this database's identity, and everything received

-- A random identity for this database, made once when the section runs.
-- Exported resources are named by it ("urn:emr:<uid>:..."), so records
-- from two practices never collide and a re-import is recognised.
CREATE TABLE installation (
  id   INTEGER PRIMARY KEY CHECK (id = 1),
  uid  TEXT NOT NULL CHECK (length(uid) = 32 AND uid NOT GLOB '*[^0-9a-f]*')
) STRICT;
INSERT INTO installation (id, uid) VALUES (1, lower(hex(randomblob(16))));
CREATE TRIGGER installation_immutable BEFORE UPDATE ON installation
BEGIN SELECT RAISE(ABORT, 'the installation identity never changes'); END;
CREATE TRIGGER installation_no_delete BEFORE DELETE ON installation
BEGIN SELECT RAISE(ABORT, 'the installation identity never changes'); END;

-- Every FHIR resource ever received (`emr import fhir`), verbatim, whether
-- or not it became part of a chart: the source file's base name, the
-- entry's 0-based index in the Bundle (or line in an NDJSON file), its
-- identity key and the JSON text as it came.  mapped_table/mapped_id name
-- the row it became (NULL: kept only, e.g. a Claim, or a resource with a
-- code emr cannot hold; kept_reason says why).  Append-only, like the
-- audit log: what someone sent us is a fact that never changes.
--
-- source_key is the resource's identity: the entry's fullUrl when it is
-- a urn:uuid/urn:oid or an absolute URL, else "Type/id@<source>" (an id
-- without a server is unique only within its source, taken to be the
-- file's directory: 16 hex digits of the BLAKE2b of its real path), else
-- (no id at all) "Type#" and the BLAKE2b-256 of the JSON.  Importing a
-- file again finds every key here and adds nothing.
CREATE TABLE fhir_received (
  id             INTEGER PRIMARY KEY,
  source_file    TEXT NOT NULL CHECK (length(source_file) BETWEEN 1 AND 255),
  entry_index    INTEGER NOT NULL CHECK (entry_index >= 0),
  resource_type  TEXT NOT NULL CHECK (length(resource_type) BETWEEN 1 AND 64),
  source_key     TEXT NOT NULL UNIQUE CHECK (length(source_key) BETWEEN 1 AND 4096),
  json           TEXT NOT NULL CHECK (json_valid(json)),
  mapped_table   TEXT CHECK (mapped_table IS NULL OR mapped_table IN (
                   'patients', 'encounters', 'problems', 'allergies', 'medications', 'observations',
                   'immunizations', 'procedures', 'notes', 'note_addenda', 'appointments', 'users',
                   'encounter_diagnoses')),   -- mapped_id: its rowid
  mapped_id      INTEGER,
  patient_id     INTEGER REFERENCES patients(id),
  -- A Practitioner's or Organization's name ("Dr. Levi Reichert"), so a
  -- later reference to it can name it without parsing the JSON again.
  display        TEXT NOT NULL DEFAULT '',
  kept_reason    TEXT NOT NULL DEFAULT '',
  received_at    TEXT NOT NULL CHECK (received_at IS strftime('%Y-%m-%dT%H:%M:%SZ', received_at, '+0 days')),
  received_by    INTEGER REFERENCES users(id),
  -- BLAKE2b-256 of the JSON with its keys sorted: the same resource
  -- arriving again under a name that is only unique per source is
  -- recognised, and a different one under that name refused.
  content_hash   TEXT NOT NULL DEFAULT '' CHECK (content_hash = '' OR length(content_hash) = 64),
  CHECK ((mapped_table IS NULL) = (mapped_id IS NULL))
) STRICT;
CREATE INDEX fhir_received_patient ON fhir_received(patient_id) WHERE patient_id IS NOT NULL;
CREATE INDEX fhir_received_mapped ON fhir_received(mapped_table, mapped_id) WHERE mapped_table IS NOT NULL;

CREATE TRIGGER fhir_received_no_update BEFORE UPDATE ON fhir_received
BEGIN SELECT RAISE(ABORT, 'received FHIR resources are kept verbatim: they never change'); END;
CREATE TRIGGER fhir_received_no_delete BEFORE DELETE ON fhir_received
BEGIN SELECT RAISE(ABORT, 'received FHIR resources are kept verbatim: they are never deleted'); END;

-- Other names a received resource is known by, for resolving references:
--   identity = 1: also the resource's identity (emr's own "urn:emr:..."
--     identifiers, "system|value"): a second export of the same record
--     with new fullUrls is still recognised;
--   identity = 0: "Type?identifier=system|value" for each identifier and
--     "Type/id", the forms conditional and relative references take.
-- Append-only; the first resource to claim a name keeps it.
CREATE TABLE fhir_received_keys (
  key          TEXT PRIMARY KEY,
  received_id  INTEGER NOT NULL REFERENCES fhir_received(id),
  identity     INTEGER NOT NULL CHECK (identity IN (0, 1))
) STRICT, WITHOUT ROWID;
CREATE TRIGGER fhir_received_keys_no_update BEFORE UPDATE ON fhir_received_keys
BEGIN SELECT RAISE(ABORT, 'received FHIR resources are kept verbatim: they never change'); END;
CREATE TRIGGER fhir_received_keys_no_delete BEFORE DELETE ON fhir_received_keys
BEGIN SELECT RAISE(ABORT, 'received FHIR resources are kept verbatim: they are never deleted'); END;

-- A patient's identifiers from elsewhere (another system's MRN, a Synthea
-- id, an emr export's "urn:emr:<uid>:patients"), for recognising the same
-- person in a later import.  One (system, value) names one patient.
CREATE TABLE patient_identifiers (
  id          INTEGER PRIMARY KEY,
  patient_id  INTEGER NOT NULL REFERENCES patients(id),
  system      TEXT NOT NULL CHECK (length(system) <= 1024),   -- '' when the source gave none
  value       TEXT NOT NULL CHECK (length(value) BETWEEN 1 AND 1024),
  type        TEXT NOT NULL DEFAULT '',                       -- v2 0203 code: MR, SS, DL, ...
  created_at  TEXT NOT NULL CHECK (created_at IS strftime('%Y-%m-%dT%H:%M:%SZ', created_at, '+0 days')),
  UNIQUE (system, value)
) STRICT;
CREATE INDEX patient_identifiers_patient ON patient_identifiers(patient_id);

-- Procedures done to a patient (SNOMED CT or CPT/HCPCS), as received in
-- FHIR Procedure resources.  A clinical record like the others: never
-- deleted, retired as entered-in-error with a reason.
CREATE TABLE procedures (
  id               INTEGER PRIMARY KEY,
  patient_id       INTEGER NOT NULL REFERENCES patients(id),
  encounter_id     INTEGER REFERENCES encounters(id),
  code_system      TEXT NOT NULL CHECK (code_system IN ('SNOMED', 'CPT', 'HCPCS', 'other')),
  code             TEXT NOT NULL CHECK (length(code) BETWEEN 1 AND 64),
  description      TEXT NOT NULL CHECK (length(description) BETWEEN 1 AND 500),
  -- When: an instant, or the start and end of a period.
  performed_start  TEXT CHECK (performed_start IS NULL OR performed_start IS strftime('%Y-%m-%dT%H:%M:%SZ', performed_start, '+0 days')),
  performed_end    TEXT CHECK (performed_end IS NULL OR performed_end IS strftime('%Y-%m-%dT%H:%M:%SZ', performed_end, '+0 days')),
  status           TEXT NOT NULL DEFAULT 'completed' CHECK (status IN (
                     'preparation', 'in-progress', 'not-done', 'on-hold', 'stopped', 'completed', 'unknown', 'entered-in-error')),
  performer        TEXT NOT NULL DEFAULT '',   -- who did it, as named by the source
  note             TEXT NOT NULL DEFAULT '',
  recorded_by      INTEGER REFERENCES users(id),
  created_at       TEXT NOT NULL CHECK (created_at IS strftime('%Y-%m-%dT%H:%M:%SZ', created_at, '+0 days')),
  retired_at       TEXT CHECK (retired_at IS NULL OR retired_at IS strftime('%Y-%m-%dT%H:%M:%SZ', retired_at, '+0 days')),
  retired_by       INTEGER REFERENCES users(id),
  retired_reason   TEXT,
  CHECK (performed_end IS NULL OR performed_start IS NULL OR performed_end >= performed_start),
  CHECK ((status = 'entered-in-error') = (retired_at IS NOT NULL AND retired_reason IS NOT NULL AND length(retired_reason) > 0))
) STRICT;
CREATE INDEX procedures_patient ON procedures(patient_id, performed_start);
CREATE TRIGGER procedures_no_delete BEFORE DELETE ON procedures
BEGIN SELECT RAISE(ABORT, 'clinical records are never deleted: retire them as entered-in-error'); END;
CREATE TRIGGER procedures_stay_retired BEFORE UPDATE ON procedures WHEN OLD.status = 'entered-in-error'
BEGIN SELECT RAISE(ABORT, 'a record entered in error cannot be changed'); END;

-- Imported authorship.  A visit, note, addendum or medication received
-- from elsewhere names its clinician as the source did ("Dr. Levi
-- Reichert") when that person is not a user here; provider_id /
-- prescriber_id stay NULL, and a note's author_id (NOT NULL) is the user
-- who imported it.  '' for everything written here.
ALTER TABLE encounters ADD COLUMN source_provider TEXT NOT NULL DEFAULT '' CHECK (length(source_provider) <= 200);
ALTER TABLE notes ADD COLUMN source_author TEXT NOT NULL DEFAULT '' CHECK (length(source_author) <= 200);
ALTER TABLE note_addenda ADD COLUMN source_author TEXT NOT NULL DEFAULT '' CHECK (length(source_author) <= 200);
ALTER TABLE medications ADD COLUMN source_prescriber TEXT NOT NULL DEFAULT '' CHECK (length(source_prescriber) <= 200);

-- LOINC and CVX codes met in an import that the curated tables lack are
-- added with the source's display text (kind 'lab' or 'vital' from the
-- Observation's category, unit from its value, no plausible range), so
-- the chart's foreign keys hold; origin tells them from the curated ones.
ALTER TABLE loinc ADD COLUMN origin TEXT NOT NULL DEFAULT 'curated' CHECK (origin IN ('curated', 'imported'));
ALTER TABLE cvx ADD COLUMN origin TEXT NOT NULL DEFAULT 'curated' CHECK (origin IN ('curated', 'imported'));

-- Lookups by visit and by invoice that charge screens, invoices, check-in
-- and the FHIR export make per row; without these they scan, and a bulk
-- export or a large practice's billing turns quadratic.
CREATE INDEX invoices_encounter ON invoices(encounter_id);
CREATE INDEX charges_invoice ON charges(invoice_id) WHERE invoice_id IS NOT NULL;
CREATE INDEX encounters_appointment ON encounters(appointment_id) WHERE appointment_id IS NOT NULL;
CREATE INDEX immunizations_encounter ON immunizations(encounter_id) WHERE encounter_id IS NOT NULL;
CREATE INDEX medications_encounter ON medications(encounter_id) WHERE encounter_id IS NOT NULL;
