/* fhir_export: a chart, or a whole practice, as FHIR R4 JSON (see
 * include/emr/fhir_export.h and man/emr-fhir.5).
 *
 * This is a renderer: every record comes from the domain modules as a
 * struct (clinical.c, patient.c, visit.c, note.c, schedule.c, practice.c;
 * a patient's charges and invoices from visit.c, in one query each, for
 * the bulk export's sake); the only SQL here is the transaction around a
 * bulk export and the installation's uid.  JSON is built with jansson
 * only. */
#include "emr/fhir_export.h"

#include "emr/audit.h"
#include "emr/billing.h"
#include "emr/clinical.h"
#include "emr/fhir.h"
#include "emr/note.h"
#include "emr/patient.h"
#include "emr/perm.h"
#include "emr/practice.h"
#include "emr/schedule.h"
#include "emr/util.h"
#include "emr/visit.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Reals are printed with 15 significant digits: a value stored as 37.2
 * comes out as 37.2, not 37.200000000000003 (every double of at most 15
 * significant decimal digits round-trips through "%.15g").  Money is never
 * computed in floating point: see money(). */
#define FX_REAL_PRECISION JSON_REAL_PRECISION(15)

#define US_CORE "http://hl7.org/fhir/us/core/StructureDefinition/"
#define US_CORE_VERSION "|6.1.0"
#define TERM "http://terminology.hl7.org/CodeSystem/"

const char *const emr_fhir_types[EMR_FHIR_NTYPES] = {
	"Patient", "Organization", "Practitioner", "Encounter", "Condition", "AllergyIntolerance",
	"MedicationRequest", "Observation", "Immunization", "Procedure", "DocumentReference", "Appointment",
	"ChargeItem", "Invoice",
};

/* ------------------------------------------------------------ the context */

typedef struct fx {
	emr_db *db;
	char uid[33];
	bool bundle;                  /* references as urn:uuid, entries into `entries` */
	bool billing;                 /* the actor may read billing */
	json_t *entries;              /* bundle mode */
	FILE *files[EMR_FHIR_NTYPES]; /* ndjson mode */
	long counts[EMR_FHIR_NTYPES];
	int error;                    /* errno of a failed write */
	/* Users referenced by the bundle (their Practitioners are added). */
	int64_t *users;
	size_t nusers, capusers;
	char *buf;                    /* ndjson mode: one line, reused */
	size_t bufcap;
} fx;

static int type_index(const char *type)
{
	for (int i = 0; i < EMR_FHIR_NTYPES; i++)
		if (strcmp(emr_fhir_types[i], type) == 0)
			return i;
	return -1;
}

int emr_fhir_installation_uid(emr_db *db, char uid[33])
{
	uid[0] = '\0';
	sqlite3_stmt *st = emr_db_stmt(db, "SELECT uid FROM installation WHERE id = 1");
	if (!st)
		return -1;
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		emr_col_copy(st, 0, uid, 33);
	sqlite3_reset(st);
	if (rc == SQLITE_ROW && strlen(uid) == 32)
		return 0;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return emr_db_fail(db, "reading the installation's identity");
	emr_db_set_error(db, "this database has no installation identity (schema older than migration 3)");
	return -1;
}

/* "urn:uuid:..." for type/id: BLAKE2b-128 of "<uid>/<type>/<id>", stamped
 * as an RFC 9562 version-8 (custom) UUID.  out >= 46 bytes. */
static void fx_uuid(const fx *x, const char *type, const char *id, char *out, size_t n)
{
	unsigned char h[16];
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, sizeof h);
	crypto_generichash_update(&st, (const unsigned char *)x->uid, strlen(x->uid));
	crypto_generichash_update(&st, (const unsigned char *)"/", 1);
	crypto_generichash_update(&st, (const unsigned char *)type, strlen(type));
	crypto_generichash_update(&st, (const unsigned char *)"/", 1);
	crypto_generichash_update(&st, (const unsigned char *)id, strlen(id));
	crypto_generichash_final(&st, h, sizeof h);
	h[6] = (unsigned char)((h[6] & 0x0f) | 0x80);
	h[8] = (unsigned char)((h[8] & 0x3f) | 0x80);
	snprintf(out, n,
	         "urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
	         h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9], h[10], h[11], h[12], h[13], h[14], h[15]);
}

/* ------------------------------------------------------------ JSON pieces */

/* A JSON string of s, or NULL when s is empty (FHIR has no empty
 * strings).  Text is written as stored, with two exceptions:
 *   - C0 control characters other than tab, CR and LF (an ESC in a name)
 *     become their Unicode control pictures (ESC -> U+241B), visible and
 *     still telling: FHIR R4's string "SHOULD not contain Unicode
 *     character points below 32, except for u0009, u000D and u000A",
 *     validators (medplum) refuse them, and XML cannot carry them;
 *   - malformed UTF-8, which JSON cannot carry, becomes U+FFFD.
 * Everything else (quotes, backslashes, bidi marks, DEL) is left to
 * jansson's escaping.  Note bodies go out byte for byte in base64. */
static json_t *jstr(const char *s)
{
	if (!s || !*s)
		return NULL;
	bool clean = true;
	for (const unsigned char *q = (const unsigned char *)s; *q && clean; q++)
		clean = *q >= 0x20 || *q == '\t' || *q == '\n' || *q == '\r';
	json_t *v = clean ? json_string(s) : NULL;
	if (v)
		return v;
	emr_sb sb = EMR_SB_INIT;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		size_t len = (*p < 0x80) ? 1 : (*p >> 5) == 6 ? 2 : (*p >> 4) == 14 ? 3 : (*p >> 3) == 30 ? 4 : 0;
		if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') {
			char pic[4] = {(char)0xE2, (char)0x90, (char)(0x80 + *p), 0};  /* U+2400 + c */
			emr_sb_append(&sb, pic);
			p++;
		} else if (len && strnlen((const char *)p, len) == len && emr_utf8_valid((const char *)p, len)) {
			emr_sb_appendn(&sb, (const char *)p, len);
			p += len;
		} else {
			emr_sb_append(&sb, "\xEF\xBF\xBD");
			p++;
		}
	}
	v = json_string(emr_sb_str(&sb));
	emr_sb_free(&sb);
	return v;
}

static void set(json_t *o, const char *key, json_t *v)
{
	if (v)
		json_object_set_new(o, key, v);
}

static void set_str(json_t *o, const char *key, const char *s) { set(o, key, jstr(s)); }

/* Appends v to the array at o[key], creating it. */
static void push(json_t *o, const char *key, json_t *v)
{
	if (!v)
		return;
	json_t *a = json_object_get(o, key);
	if (!a) {
		a = json_array();
		json_object_set_new(o, key, a);
	}
	json_array_append_new(a, v);
}

static json_t *coding(const char *system, const char *code, const char *display)
{
	json_t *c = json_pack("{s:s, s:s}", "system", system, "code", code);
	set_str(c, "display", display);
	return c;
}

/* A CodeableConcept of an optional coding and optional text; NULL when
 * both are missing. */
static json_t *concept(json_t *c, const char *text)
{
	json_t *v = jstr(text);
	if (!c && !v)
		return NULL;
	json_t *cc = json_object();
	if (c)
		json_object_set_new(cc, "coding", json_pack("[o]", c));
	set(cc, "text", v);
	return cc;
}

static json_t *concept_code(const char *system, const char *code, const char *display, const char *text)
{
	return concept(coding(system, code, display), text);
}

/* A Quantity; the unit is UCUM when given. */
static json_t *quantity(double value, const char *ucum)
{
	json_t *q = json_pack("{s:f}", "value", value);
	if (ucum && *ucum) {
		set_str(q, "unit", ucum);
		json_object_set_new(q, "system", json_string(EMR_FHIR_UCUM));
		set_str(q, "code", ucum);
	}
	return q;
}

/* Money in US dollars.  The amount is formatted from the integer cents
 * by integer arithmetic ("125.50"), then handed to jansson, whose only
 * non-integer number is a double: strtod gives the double nearest to that
 * decimal, which prints back as the same decimal (FX_REAL_PRECISION) for
 * any amount under 10^13 dollars.  A whole-dollar amount stays an integer. */
static json_t *money(int64_t cents)
{
	json_t *value;
	if (cents % 100 == 0) {
		value = json_integer(cents / 100);
	} else {
		char buf[32];
		int64_t a = cents < 0 ? -cents : cents;
		snprintf(buf, sizeof buf, "%s%" PRId64 ".%02" PRId64, cents < 0 ? "-" : "", a / 100, a % 100);
		value = json_real(strtod(buf, NULL));
	}
	return json_pack("{s:o, s:s}", "value", value, "currency", "USD");
}

static json_t *identifier(const fx *x, const char *table, const char *value)
{
	char system[96];
	snprintf(system, sizeof system, EMR_FHIR_ID_BASE "%s:%s", x->uid, table);
	return json_pack("{s:s, s:s}", "system", system, "value", value);
}

static json_t *identifier_id(const fx *x, const char *table, int64_t id)
{
	char v[24];
	snprintf(v, sizeof v, "%" PRId64, id);
	return identifier(x, table, v);
}

/* {"reference": ...} to type/id: urn:uuid in a Bundle, relative in NDJSON. */
static json_t *ref(const fx *x, const char *type, const char *id)
{
	char buf[128];
	if (x->bundle)
		fx_uuid(x, type, id, buf, sizeof buf);
	else
		snprintf(buf, sizeof buf, "%s/%s", type, id);
	return json_pack("{s:s}", "reference", buf);
}

static json_t *ref_id(const fx *x, const char *type, const char *prefix, int64_t id)
{
	char rid[48];
	snprintf(rid, sizeof rid, "%s-%" PRId64, prefix, id);
	return ref(x, type, rid);
}

static json_t *ref_patient(const fx *x, int64_t id) { return ref_id(x, "Patient", "patient", id); }
static json_t *ref_encounter(const fx *x, int64_t id) { return ref_id(x, "Encounter", "encounter", id); }
static json_t *ref_org(const fx *x) { return ref(x, "Organization", "practice"); }

/* A Practitioner reference for user id (0 = none: NULL); in a Bundle the
 * user is remembered so that their Practitioner is included. */
static json_t *ref_user(fx *x, int64_t user_id)
{
	if (user_id <= 0)
		return NULL;
	if (x->bundle) {
		bool seen = false;
		for (size_t i = 0; i < x->nusers && !seen; i++)
			seen = x->users[i] == user_id;
		if (!seen) {
			if (x->nusers == x->capusers) {
				x->capusers = x->capusers ? x->capusers * 2 : 8;
				x->users = emr_xrealloc(x->users, x->capusers * sizeof *x->users);
			}
			x->users[x->nusers++] = user_id;
		}
	}
	return ref_id(x, "Practitioner", "user", user_id);
}

/* A new resource: resourceType, id, meta.profile (may be NULL), and
 * emr's identifier for (table, row). */
static json_t *resource(const fx *x, const char *type, const char *id, const char *profile, const char *table,
                        const char *row)
{
	json_t *r = json_pack("{s:s, s:s}", "resourceType", type, "id", id);
	if (profile) {
		char url[160];
		snprintf(url, sizeof url, US_CORE "%s" US_CORE_VERSION, profile);
		json_object_set_new(r, "meta", json_pack("{s:[s]}", "profile", url));
	}
	push(r, "identifier", identifier(x, table, row));
	return r;
}

static json_t *resource_id(const fx *x, const char *type, const char *prefix, int64_t rowid, const char *profile,
                           const char *table)
{
	char id[48], row[24];
	snprintf(id, sizeof id, "%s-%" PRId64, prefix, rowid);
	snprintf(row, sizeof row, "%" PRId64, rowid);
	return resource(x, type, id, profile, table, row);
}

/* Hands a finished resource to the output (and owns it). */
static int emit(fx *x, json_t *r)
{
	const char *type = json_string_value(json_object_get(r, "resourceType"));
	int t = type_index(type);
	if (t < 0) {
		json_decref(r);
		return -1;
	}
	x->counts[t]++;
	if (x->bundle) {
		char url[64];
		fx_uuid(x, type, json_string_value(json_object_get(r, "id")), url, sizeof url);
		json_array_append_new(x->entries, json_pack("{s:s, s:o}", "fullUrl", url, "resource", r));
		return 0;
	}
	/* NDJSON: compact JSON has no newline (strings escape theirs).  Into
	 * one buffer, then one fwrite: json_dumpf writes token by token. */
	size_t need = json_dumpb(r, x->buf, x->bufcap, JSON_COMPACT | FX_REAL_PRECISION);
	if (need >= x->bufcap) {
		x->bufcap = need + 1 > 2 * x->bufcap ? need + 1 : 2 * x->bufcap;
		x->buf = emr_xrealloc(x->buf, x->bufcap);
		need = json_dumpb(r, x->buf, x->bufcap, JSON_COMPACT | FX_REAL_PRECISION);
	}
	if (need == 0 || need >= x->bufcap) {
		if (!x->error)
			x->error = ENOMEM;
	} else {
		x->buf[need] = '\n';
		if (fwrite(x->buf, 1, need + 1, x->files[t]) != need + 1 && !x->error)
			x->error = errno ? errno : EIO;
	}
	json_decref(r);
	return x->error ? -1 : 0;
}

/* "E119" -> "E11.9": ICD-10-CM is written with its dot in FHIR. */
static void icd10_dotted(const char *code, char *out, size_t n)
{
	if (strlen(code) > 3)
		snprintf(out, n, "%.3s.%s", code, code + 3);
	else
		snprintf(out, n, "%s", code);
}

/* ------------------------------------------------------------ practice */

static int emit_organization(fx *x)
{
	emr_practice pr;
	if (emr_practice_get(x->db, &pr) != 0)
		return -1;
	json_t *r = resource(x, "Organization", "practice", "us-core-organization", "practice", "1");
	if (*pr.npi)
		push(r, "identifier", json_pack("{s:s, s:s}", "system", EMR_FHIR_NPI, "value", pr.npi));
	json_object_set_new(r, "active", json_true());
	json_object_set_new(r, "type", json_pack("[o]", concept_code(TERM "organization-type", "prov",
	                                                             "Healthcare Provider", NULL)));
	set_str(r, "name", pr.name);
	if (*pr.phone)
		push(r, "telecom", json_pack("{s:s, s:o, s:s}", "system", "phone", "value", jstr(pr.phone), "use", "work"));
	if (*pr.address)
		push(r, "address", json_pack("{s:s, s:o}", "use", "work", "text", jstr(pr.address)));
	return emit(x, r);
}

static json_t *practitioner(fx *x, const emr_user *u)
{
	json_t *r = resource_id(x, "Practitioner", "user", u->id, "us-core-practitioner", "users");
	if (*u->npi)
		push(r, "identifier", json_pack("{s:s, s:s}", "system", EMR_FHIR_NPI, "value", u->npi));
	json_object_set_new(r, "active", json_boolean(u->active));
	/* display_name is one field ("Alex Morgan"): its last word is taken
	 * as the family name, the words before it as given names. */
	json_t *name = json_object();
	set_str(name, "text", u->display_name);
	const char *sp = strrchr(u->display_name, ' ');
	if (sp && sp[1]) {
		set_str(name, "family", sp + 1);
		json_t *given = json_array();
		char buf[sizeof u->display_name];
		snprintf(buf, sizeof buf, "%.*s", (int)(sp - u->display_name), u->display_name);
		char *save = NULL;
		for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save))
			json_array_append_new(given, jstr(w));
		if (json_array_size(given))
			json_object_set_new(name, "given", given);
		else
			json_decref(given);
	} else {
		set_str(name, "family", u->display_name);
	}
	push(r, "name", name);
	if (*u->credentials)
		push(r, "qualification", json_pack("{s:o}", "code", concept(NULL, u->credentials)));
	return r;
}

/* ------------------------------------------------------------ the chart */

/* Everything of one patient, read before any JSON is built. */
typedef struct chart {
	emr_patient p;
	emr_problems problems;
	emr_allergies allergies;
	emr_medications meds;
	emr_observations vitals, labs;
	emr_immunizations imms;
	emr_procedures procs;
	emr_encounters encs;
	emr_encounter_dxs dxs;
	emr_notes notes;
	emr_appts appts;
	emr_charges charges;          /* billing users only */
	emr_invoice_summaries invoices;   /* newest first */
	emr_patient_identifiers ids;   /* brought from other systems */
} chart;

static void chart_free(chart *c)
{
	emr_list_free(&c->problems);
	emr_list_free(&c->allergies);
	emr_list_free(&c->meds);
	emr_list_free(&c->vitals);
	emr_list_free(&c->labs);
	emr_list_free(&c->imms);
	emr_list_free(&c->procs);
	emr_encounters_free(&c->encs);
	emr_encounter_dxs_free(&c->dxs);
	emr_notes_free(&c->notes);
	emr_appts_free(&c->appts);
	emr_charges_free(&c->charges);
	emr_invoice_summaries_free(&c->invoices);
	emr_patient_identifiers_free(&c->ids);
}

static int chart_read(fx *x, int64_t patient_id, chart *c)
{
	memset(c, 0, sizeof *c);
	emr_db *db = x->db;
	if (emr_patient_get(db, patient_id, &c->p) != 0 ||
	    emr_problem_list(db, patient_id, EMR_ALL, &c->problems) != 0 ||
	    emr_allergy_list(db, patient_id, EMR_ALL, &c->allergies) != 0 ||
	    emr_medication_list(db, patient_id, EMR_ALL, &c->meds) != 0 ||
	    emr_observation_list(db, patient_id, NULL, "vital", EMR_ALL, 0, &c->vitals) != 0 ||
	    emr_observation_list(db, patient_id, NULL, "lab", EMR_ALL, 0, &c->labs) != 0 ||
	    emr_immunization_list(db, patient_id, EMR_ALL, &c->imms) != 0 ||
	    emr_procedure_list(db, patient_id, EMR_ALL, &c->procs) != 0 ||
	    emr_encounter_list(db, patient_id, 0, &c->encs) != 0 ||
	    emr_encounter_dx_list_patient(db, patient_id, &c->dxs) != 0 ||
	    emr_note_list_patient(db, patient_id, &c->notes) != 0 ||
	    emr_appt_list_patient(db, patient_id, &c->appts) != 0 ||
	    emr_patient_identifier_list(db, patient_id, &c->ids) != 0 ||
	    (x->billing && (emr_charge_list_patient(db, patient_id, &c->charges) != 0 ||
	                    emr_invoice_list(db, patient_id, false, &c->invoices) != 0))) {
		chart_free(c);
		return -1;
	}
	return 0;
}

static bool chart_has_encounter(const chart *c, int64_t id)
{
	for (size_t i = 0; i < c->encs.n; i++)
		if (c->encs.items[i].id == id)
			return true;
	return false;
}

static bool chart_has_appt(const chart *c, int64_t id)
{
	for (size_t i = 0; i < c->appts.n; i++)
		if (c->appts.items[i].id == id)
			return true;
	return false;
}

/* An encounter reference when the visit is this patient's (else NULL). */
static json_t *ref_chart_encounter(const fx *x, const chart *c, int64_t id)
{
	return id > 0 && chart_has_encounter(c, id) ? ref_encounter(x, id) : NULL;
}

/* ---------------------------------------------------------------- Patient */

static int emit_patient(fx *x, const chart *c)
{
	const emr_patient *p = &c->p;
	json_t *r = resource_id(x, "Patient", "patient", p->id, "us-core-patient", "patients");
	/* The MRN: US Core's Patient.identifier, typed MR. */
	json_array_insert_new(json_object_get(r, "identifier"), 0,
	                      json_pack("{s:s, s:o, s:s, s:s}", "use", "usual", "type",
	                                concept_code(TERM "v2-0203", "MR", "Medical record number", NULL), "system",
	                                EMR_FHIR_MRN, "value", p->mrn));
	/* Identifiers the patient brought from other systems travel on. */
	for (size_t i = 0; i < c->ids.n; i++) {
		const emr_patient_identifier *id = &c->ids.items[i];
		json_t *o = json_object();
		if (*id->type)
			json_object_set_new(o, "type", concept_code(TERM "v2-0203", id->type, NULL, NULL));
		set_str(o, "system", id->system);
		set_str(o, "value", id->value);
		json_array_append_new(json_object_get(r, "identifier"), o);
	}
	json_object_set_new(r, "active", json_boolean(strcmp(p->status, "active") == 0));
	push(r, "name", json_pack("{s:s, s:o, s:[o]}", "use", "official", "family", jstr(p->family), "given",
	                          jstr(p->given)));
	if (*p->preferred)
		push(r, "name", json_pack("{s:s, s:[o]}", "use", "usual", "given", jstr(p->preferred)));
	if (*p->phone)
		push(r, "telecom", json_pack("{s:s, s:o, s:s}", "system", "phone", "value", jstr(p->phone), "use", "home"));
	if (*p->email)
		push(r, "telecom", json_pack("{s:s, s:o}", "system", "email", "value", jstr(p->email)));
	json_object_set_new(r, "gender", json_string(p->sex));
	set_str(r, "birthDate", p->dob);
	if (*p->deceased_date)
		set_str(r, "deceasedDateTime", p->deceased_date);
	if (*p->address || *p->city || *p->state || *p->postal_code) {
		json_t *a = json_pack("{s:s}", "use", "home");
		/* A multi-line street address is one line each. */
		if (*p->address) {
			json_t *lines = json_array();
			char buf[sizeof p->address];
			snprintf(buf, sizeof buf, "%s", p->address);
			char *save = NULL;
			for (char *l = strtok_r(buf, "\r\n", &save); l; l = strtok_r(NULL, "\r\n", &save))
				json_array_append_new(lines, jstr(l));
			json_object_set_new(a, "line", lines);
		}
		set_str(a, "city", p->city);
		set_str(a, "state", p->state);
		set_str(a, "postalCode", p->postal_code);
		push(r, "address", a);
	}
	if (*p->emergency_name || *p->emergency_phone) {
		json_t *ct = json_pack("{s:[o]}", "relationship",
		                       concept_code(TERM "v2-0131", "C", "Emergency Contact", NULL));
		if (*p->emergency_name)
			json_object_set_new(ct, "name", json_pack("{s:o}", "text", jstr(p->emergency_name)));
		if (*p->emergency_phone)
			push(ct, "telecom", json_pack("{s:s, s:o}", "system", "phone", "value", jstr(p->emergency_phone)));
		push(r, "contact", ct);
	}
	/* Gender identity is free text in emr: US Core 6.1.0's extension,
	 * with the text only. */
	if (*p->gender_identity)
		push(r, "extension", json_pack("{s:s, s:o}", "url", US_CORE "us-core-genderIdentity",
		                               "valueCodeableConcept", concept(NULL, p->gender_identity)));
	json_object_set_new(r, "managingOrganization", ref_org(x));
	return emit(x, r);
}

/* -------------------------------------------------------------- Encounter */

static json_t *encounter_class(const char *type)
{
	static const struct { const char *type, *code, *display; } map[] = {
		{"office", "AMB", "ambulatory"},
		{"telehealth", "VR", "virtual"},
		{"phone", "VR", "virtual"},
		{"home", "HH", "home health"},
		{"hospital", "IMP", "inpatient encounter"},
		{"other", "AMB", "ambulatory"},
	};
	for (size_t i = 0; i < EMR_ARRAY_LEN(map); i++)
		if (strcmp(type, map[i].type) == 0)
			return coding(TERM "v3-ActCode", map[i].code, map[i].display);
	return coding(TERM "v3-ActCode", "AMB", "ambulatory");
}

static int emit_encounter(fx *x, const chart *c, const emr_encounter *e)
{
	json_t *r = resource_id(x, "Encounter", "encounter", e->id, "us-core-encounter", "encounters");
	json_object_set_new(r, "status", json_string(e->status));
	json_object_set_new(r, "class", encounter_class(e->type));
	/* US Core's encounter types are SNOMED CT "is-a 308335008 |Patient
	 * encounter procedure|" (its value set us-core-encounter-type) and
	 * CPT E/M codes; emr knows no finer kind than office, telehealth...,
	 * so the root concept, with the kind as text. */
	char type_text[32];
	snprintf(type_text, sizeof type_text, "%s visit", e->type);
	push(r, "type", concept_code(EMR_FHIR_SNOMED, "308335008", "Patient encounter procedure", type_text));
	json_object_set_new(r, "subject", ref_patient(x, c->p.id));
	/* An imported visit's clinician is not a user here: named only. */
	json_t *who = ref_user(x, e->provider_id);
	if (!who && *e->source_provider)
		who = json_pack("{s:o}", "display", jstr(e->source_provider));
	if (who)
		push(r, "participant",
		     json_pack("{s:[o], s:o}", "type",
		               concept_code(TERM "v3-ParticipationType", "PPRF", "primary performer", NULL), "individual",
		               who));
	if (e->appointment_id && chart_has_appt(c, e->appointment_id))
		push(r, "appointment", ref_id(x, "Appointment", "appt", e->appointment_id));
	json_t *period = json_pack("{s:s}", "start", e->start_at);
	set_str(period, "end", e->end_at);
	json_object_set_new(r, "period", period);
	push(r, "reasonCode", concept(NULL, e->reason));
	json_object_set_new(r, "serviceProvider", ref_org(x));
	return emit(x, r);
}

/* -------------------------------------------------------------- Condition */

static json_t *condition_code(const char *icd10, const char *icd10_display, const char *snomed, const char *text)
{
	json_t *cc = json_object();
	json_t *codings = json_array();
	if (icd10 && *icd10) {
		char dotted[16];
		icd10_dotted(icd10, dotted, sizeof dotted);
		json_array_append_new(codings, coding(EMR_FHIR_ICD10CM, dotted, icd10_display));
	}
	if (snomed && *snomed)
		json_array_append_new(codings, coding(EMR_FHIR_SNOMED, snomed, NULL));
	if (json_array_size(codings))
		json_object_set_new(cc, "coding", codings);
	else
		json_decref(codings);
	set_str(cc, "text", text);
	return cc;
}

static int emit_problem(fx *x, const chart *c, const emr_problem *p)
{
	json_t *r = resource_id(x, "Condition", "problem", p->id, "us-core-condition-problems-health-concerns",
	                        "problems");
	bool eie = strcmp(p->status, "entered-in-error") == 0;
	/* A condition entered in error has no clinical status (con-5). */
	if (!eie)
		json_object_set_new(r, "clinicalStatus",
		                    concept_code(TERM "condition-clinical", p->status,
		                                 strcmp(p->status, "resolved") == 0 ? "Resolved" : "Active", NULL));
	json_object_set_new(r, "verificationStatus",
	                    concept_code(TERM "condition-ver-status", eie ? "entered-in-error" : "confirmed",
	                                 eie ? "Entered in Error" : "Confirmed", NULL));
	push(r, "category", concept_code(TERM "condition-category", "problem-list-item", "Problem List Item", NULL));
	json_object_set_new(r, "code", condition_code(p->icd10, NULL, p->snomed, p->description));
	json_object_set_new(r, "subject", ref_patient(x, c->p.id));
	set_str(r, "onsetDateTime", p->onset_date);
	if (!eie)
		set_str(r, "abatementDateTime", p->resolved_date);
	set_str(r, "recordedDate", p->created_at);
	if (*p->note)
		push(r, "note", json_pack("{s:o}", "text", jstr(p->note)));
	if (eie && *p->retired_reason)
		push(r, "note", json_pack("{s:o}", "text", jstr(p->retired_reason)));
	return emit(x, r);
}

static int emit_diagnosis(fx *x, const chart *c, const emr_encounter_dx *d)
{
	const emr_encounter *e = NULL;
	for (size_t i = 0; i < c->encs.n && !e; i++)
		if (c->encs.items[i].id == d->encounter_id)
			e = &c->encs.items[i];
	if (!e)
		return 0;
	char id[48], row[48];
	snprintf(id, sizeof id, "dx-%" PRId64 "-%d", e->id, d->rank);
	snprintf(row, sizeof row, "%" PRId64 "-%d", e->id, d->rank);
	json_t *r = resource(x, "Condition", id, "us-core-condition-encounter-diagnosis", "encounter_diagnoses", row);
	json_object_set_new(r, "verificationStatus",
	                    concept_code(TERM "condition-ver-status", "confirmed", "Confirmed", NULL));
	push(r, "category",
	     concept_code(TERM "condition-category", "encounter-diagnosis", "Encounter Diagnosis", NULL));
	json_object_set_new(r, "code", condition_code(d->icd10, d->description, NULL, d->description));
	json_object_set_new(r, "subject", ref_patient(x, c->p.id));
	json_object_set_new(r, "encounter", ref_encounter(x, e->id));
	set_str(r, "recordedDate", e->start_at);
	/* The problem-list entry the diagnosis was made from. */
	if (d->problem_id)
		for (size_t i = 0; i < c->problems.n; i++)
			if (c->problems.items[i].id == d->problem_id)
				push(r, "evidence", json_pack("{s:[o]}", "detail", ref_id(x, "Condition", "problem", d->problem_id)));
	return emit(x, r);
}

/* ----------------------------------------------------- AllergyIntolerance */

static int emit_allergy(fx *x, const chart *c, const emr_allergy *a)
{
	json_t *r = resource_id(x, "AllergyIntolerance", "allergy", a->id, "us-core-allergyintolerance", "allergies");
	bool eie = strcmp(a->status, "entered-in-error") == 0;
	/* No clinical status on a record entered in error (ait-2). */
	if (!eie)
		json_object_set_new(r, "clinicalStatus",
		                    concept_code(TERM "allergyintolerance-clinical", a->status, NULL, NULL));
	json_object_set_new(r, "verificationStatus",
	                    concept_code(TERM "allergyintolerance-verification", eie ? "entered-in-error" : "confirmed",
	                                 eie ? "Entered in Error" : "Confirmed", NULL));
	static const struct { const char *emr, *fhir; } cats[] = {
		{"drug", "medication"}, {"food", "food"}, {"environment", "environment"},
	};
	for (size_t i = 0; i < EMR_ARRAY_LEN(cats); i++)
		if (strcmp(a->category, cats[i].emr) == 0)
			push(r, "category", json_string(cats[i].fhir));
	if (a->is_nkda) {
		/* emr's NKDA row says "no known drug allergies": SNOMED CT
		 * 409137002 |No known drug allergy (situation)|, the code of
		 * FHIR R4's own example (allergyintolerance-nkda.json).  Its parent
		 * 716186003 |No known allergy (situation)| (in the IPS value set
		 * "<< 716186003" and HL7 Switzerland's CH Term allergy value
		 * sets, which name it so) is added only when the chart has no
		 * other active allergy of any kind: only then is "no known
		 * allergy" true of what is recorded. */
		json_t *codings = json_pack("[o]", coding(EMR_FHIR_SNOMED, "409137002", "No known drug allergy (situation)"));
		bool other_active = false;
		for (size_t i = 0; i < c->allergies.n; i++)
			other_active |= !c->allergies.items[i].is_nkda && strcmp(c->allergies.items[i].status, "active") == 0;
		if (!other_active)
			json_array_append_new(codings, coding(EMR_FHIR_SNOMED, "716186003", "No known allergy (situation)"));
		json_object_set_new(r, "code", json_pack("{s:o, s:s}", "coding", codings, "text", "NKDA"));
	} else {
		json_object_set_new(r, "code", concept(NULL, a->substance));
	}
	/* Criticality from the worst reaction recorded: severe -> high,
	 * mild or moderate -> low. */
	if (*a->severity)
		json_object_set_new(r, "criticality", json_string(strcmp(a->severity, "severe") == 0 ? "high" : "low"));
	json_object_set_new(r, "patient", ref_patient(x, c->p.id));
	set_str(r, "onsetDateTime", a->onset_date);
	set_str(r, "recordedDate", a->created_at);
	if (*a->reaction) {
		json_t *re = json_pack("{s:[o]}", "manifestation", concept(NULL, a->reaction));
		if (*a->severity)
			json_object_set_new(re, "severity", json_string(a->severity));
		push(r, "reaction", re);
	}
	if (eie && *a->retired_reason)
		push(r, "note", json_pack("{s:o}", "text", jstr(a->retired_reason)));
	return emit(x, r);
}

/* ------------------------------------------------------ MedicationRequest */

static int emit_medication(fx *x, const chart *c, const emr_medication *m)
{
	json_t *r = resource_id(x, "MedicationRequest", "med", m->id, "us-core-medicationrequest", "medications");
	json_object_set_new(r, "status", json_string(m->status));
	if (strcmp(m->status, "stopped") == 0)
		set(r, "statusReason", concept(NULL, m->stop_reason));
	/* A prescription written here is an order; a medication the patient
	 * reports taking is the plan as reported. */
	json_object_set_new(r, "intent", json_string(m->is_prescription ? "order" : "plan"));
	/* A family practice's medicines are taken at home: R4's "community"
	 * ("to be administered or consumed by the patient in their home"). */
	push(r, "category", concept_code(TERM "medicationrequest-category", "community", "Community", NULL));
	if (!m->is_prescription)
		json_object_set_new(r, "reportedBoolean", json_true());
	char text[400];
	snprintf(text, sizeof text, "%s%s%s%s%s", m->drug, *m->strength ? " " : "", m->strength, *m->form ? " " : "",
	         m->form);
	json_object_set_new(r, "medicationCodeableConcept",
	                    concept(*m->rxnorm ? coding(EMR_FHIR_RXNORM, m->rxnorm, NULL) : NULL, text));
	json_object_set_new(r, "subject", ref_patient(x, c->p.id));
	set(r, "encounter", ref_chart_encounter(x, c, m->encounter_id));
	set_str(r, "authoredOn", m->created_at);
	/* The prescriber: a user here, else as the source named them (an
	 * imported prescription; a Reference with a display only), else the
	 * patient (a medication they report taking). */
	json_t *who = ref_user(x, m->prescriber_id);
	if (!who && *m->source_prescriber)
		who = json_pack("{s:o}", "display", jstr(m->source_prescriber));
	json_object_set_new(r, "requester", who ? who : ref_patient(x, c->p.id));
	push(r, "reasonCode", concept(NULL, m->reason));
	if (*m->allergy_override)
		push(r, "note", json_pack("{s:o}", "text", jstr(m->allergy_override)));
	if (*m->sig || *m->route || *m->start_date || *m->stop_date) {
		json_t *d = json_object();
		set_str(d, "text", m->sig);
		if (*m->start_date || *m->stop_date) {
			json_t *bounds = json_object();
			set_str(bounds, "start", m->start_date);
			set_str(bounds, "end", m->stop_date);
			json_object_set_new(d, "timing", json_pack("{s:{s:o}}", "repeat", "boundsPeriod", bounds));
		}
		set(d, "route", concept(NULL, m->route));
		push(r, "dosageInstruction", d);
	}
	if (m->is_prescription || m->quantity > 0) {
		json_t *dr = json_object();
		if (m->is_prescription)
			json_object_set_new(dr, "numberOfRepeatsAllowed", json_integer(m->refills));
		if (m->quantity > 0) {
			json_t *q = json_pack("{s:f}", "value", m->quantity);
			set_str(q, "unit", m->quantity_unit);
			json_object_set_new(dr, "quantity", q);
		}
		json_object_set_new(r, "dispenseRequest", dr);
	}
	if (strcmp(m->status, "entered-in-error") == 0 && *m->retired_reason)
		push(r, "note", json_pack("{s:o}", "text", jstr(m->retired_reason)));
	return emit(x, r);
}

/* ------------------------------------------------------------ Observation */

/* The FHIR vital-signs profile's codes and US Core 6.1.0's profile for
 * each vital sign emr records. */
static const struct vital_code {
	const char *loinc, *display, *profile;
	const char *extra_loinc, *extra_display;  /* a second coding the profile asks for */
} vital_codes[] = {
	{"85354-9", "Blood pressure panel with all children optional", "us-core-blood-pressure", NULL, NULL},
	{"8480-6", "Systolic blood pressure", NULL, NULL, NULL},
	{"8462-4", "Diastolic blood pressure", NULL, NULL, NULL},
	{"8867-4", "Heart rate", "us-core-heart-rate", NULL, NULL},
	{"9279-1", "Respiratory rate", "us-core-respiratory-rate", NULL, NULL},
	{"8310-5", "Body temperature", "us-core-body-temperature", NULL, NULL},
	/* Pulse oximetry: vital-signs' oxygen saturation is 2708-6; US Core's
	 * pulse oximetry profile wants both. */
	{"59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry", "us-core-pulse-oximetry", "2708-6",
	 "Oxygen saturation in Arterial blood"},
	{"2708-6", "Oxygen saturation in Arterial blood", "us-core-pulse-oximetry", NULL, NULL},
	{"29463-7", "Body weight", "us-core-body-weight", NULL, NULL},
	{"8302-2", "Body height", "us-core-body-height", NULL, NULL},
	{"39156-5", "Body mass index (BMI) [Ratio]", "us-core-bmi", NULL, NULL},
	{"9843-4", "Head Occipital-frontal circumference", "us-core-head-circumference", NULL, NULL},
};

static const struct vital_code *vital_code(const char *loinc)
{
	for (size_t i = 0; i < EMR_ARRAY_LEN(vital_codes); i++)
		if (strcmp(vital_codes[i].loinc, loinc) == 0)
			return &vital_codes[i];
	return NULL;
}

static json_t *obs_category(bool vital)
{
	return concept_code(TERM "observation-category", vital ? "vital-signs" : "laboratory",
	                    vital ? "Vital Signs" : "Laboratory", NULL);
}

static json_t *obs_code(const char *loinc, const char *text)
{
	const struct vital_code *vc = vital_code(loinc);
	json_t *codings = json_array();
	if (vc && vc->extra_loinc)
		json_array_append_new(codings, coding(EMR_FHIR_LOINC, vc->extra_loinc, vc->extra_display));
	json_array_append_new(codings, coding(EMR_FHIR_LOINC, loinc, vc ? vc->display : NULL));
	json_t *cc = json_pack("{s:o}", "coding", codings);
	set_str(cc, "text", text);
	return cc;
}

/* value[x], referenceRange and interpretation of one row, into o (an
 * Observation or one of its components). */
static void obs_value(json_t *o, const emr_observation *ob, bool range)
{
	if (ob->has_value)
		json_object_set_new(o, "valueQuantity", quantity(ob->value, ob->unit));
	else if (*ob->value_text)
		set_str(o, "valueString", ob->value_text);
	else
		json_object_set_new(o, "dataAbsentReason",
		                    concept_code(TERM "data-absent-reason", "unknown", "Unknown", NULL));
	if (*ob->flag) {
		static const struct { const char *code, *display; } flags[] = {
			{"N", "Normal"}, {"L", "Low"}, {"H", "High"}, {"LL", "Critical low"},
			{"HH", "Critical high"}, {"A", "Abnormal"},
		};
		for (size_t i = 0; i < EMR_ARRAY_LEN(flags); i++)
			if (strcmp(ob->flag, flags[i].code) == 0)
				push(o, "interpretation",
				     concept_code(TERM "v3-ObservationInterpretation", flags[i].code, flags[i].display, NULL));
	}
	if (range && (ob->has_low || ob->has_high || *ob->ref_text)) {
		json_t *rr = json_object();
		if (ob->has_low)
			json_object_set_new(rr, "low", quantity(ob->ref_low, ob->unit));
		if (ob->has_high)
			json_object_set_new(rr, "high", quantity(ob->ref_high, ob->unit));
		set_str(rr, "text", ob->ref_text);
		push(o, "referenceRange", rr);
	}
}

static json_t *obs_base(fx *x, const emr_observation *ob, bool vital, const char *profile)
{
	json_t *r = resource_id(x, "Observation", "obs", ob->id, profile, "observations");
	json_object_set_new(r, "status", json_string(ob->status));
	push(r, "category", obs_category(vital));
	return r;
}

static void obs_tail(fx *x, const chart *c, json_t *r, const emr_observation *ob)
{
	json_object_set_new(r, "subject", ref_patient(x, c->p.id));
	set(r, "encounter", ref_chart_encounter(x, c, ob->encounter_id));
	set_str(r, "effectiveDateTime", ob->effective_at);
}

static int emit_observation(fx *x, const chart *c, const emr_observation *ob, bool vital)
{
	const struct vital_code *vc = vital ? vital_code(ob->loinc) : NULL;
	json_t *r = obs_base(x, ob, vital, vital ? (vc ? vc->profile : NULL) : "us-core-observation-lab");
	json_object_set_new(r, "code", obs_code(ob->loinc, ob->name));
	obs_tail(x, c, r, ob);
	obs_value(r, ob, !vital);
	if (strcmp(ob->status, "entered-in-error") == 0 && *ob->retired_reason)
		push(r, "note", json_pack("{s:o}", "text", jstr(ob->retired_reason)));
	return emit(x, r);
}

/* A blood pressure: the systolic and diastolic rows sharing a panel_id,
 * as one 85354-9 Observation with two components (named by the systolic
 * row's id; both rows are in its identifiers). */
static int emit_bp(fx *x, const chart *c, const emr_observation *sys, const emr_observation *dia)
{
	json_t *r = obs_base(x, sys, true, "us-core-blood-pressure");
	push(r, "identifier", identifier_id(x, "observations", dia->id));
	json_object_set_new(r, "code", obs_code("85354-9", "BP"));
	obs_tail(x, c, r, sys);
	const emr_observation *rows[2] = {sys, dia};
	for (int i = 0; i < 2; i++) {
		json_t *comp = json_pack("{s:o}", "code", obs_code(rows[i]->loinc, rows[i]->name));
		obs_value(comp, rows[i], false);
		push(r, "component", comp);
	}
	if (strcmp(sys->status, "entered-in-error") == 0 && *sys->retired_reason)
		push(r, "note", json_pack("{s:o}", "text", jstr(sys->retired_reason)));
	return emit(x, r);
}

static int emit_vitals(fx *x, const chart *c)
{
	const emr_observations *v = &c->vitals;
	bool *done = emr_xcalloc(v->n ? v->n : 1, sizeof *done);
	int rc = 0;
	for (size_t i = 0; i < v->n && rc == 0; i++) {
		if (done[i])
			continue;
		const emr_observation *a = &v->items[i];
		bool sys = strcmp(a->loinc, "8480-6") == 0, dia = strcmp(a->loinc, "8462-4") == 0;
		if ((sys || dia) && a->panel_id) {
			for (size_t j = 0; j < v->n; j++) {
				const emr_observation *b = &v->items[j];
				if (j == i || done[j] || b->panel_id != a->panel_id ||
				    strcmp(b->loinc, sys ? "8462-4" : "8480-6") != 0)
					continue;
				done[i] = done[j] = true;
				rc = sys ? emit_bp(x, c, a, b) : emit_bp(x, c, b, a);
				break;
			}
			if (done[i])
				continue;
		}
		done[i] = true;
		rc = emit_observation(x, c, a, true);
	}
	free(done);
	return rc;
}

/* ----------------------------------------------------------- Immunization */

static int emit_immunization(fx *x, const chart *c, const emr_immunization *im)
{
	json_t *r = resource_id(x, "Immunization", "imm", im->id, "us-core-immunization", "immunizations");
	json_object_set_new(r, "status", json_string(im->status));
	json_object_set_new(r, "vaccineCode", concept_code(EMR_FHIR_CVX, im->cvx, im->vaccine, im->vaccine));
	json_object_set_new(r, "patient", ref_patient(x, c->p.id));
	set(r, "encounter", ref_chart_encounter(x, c, im->encounter_id));
	set_str(r, "occurrenceDateTime", im->administered_on);
	/* Recorded by the practice that gave it. */
	json_object_set_new(r, "primarySource", json_true());
	if (*im->manufacturer)
		json_object_set_new(r, "manufacturer", json_pack("{s:o}", "display", jstr(im->manufacturer)));
	set_str(r, "lotNumber", im->lot);
	static const struct { const char *emr, *code, *display; } sites[] = {
		{"left deltoid", "LD", "left deltoid"}, {"right deltoid", "RD", "right deltoid"},
		{"left thigh", "LT", "left thigh"}, {"right thigh", "RT", "right thigh"},
		{"left arm", "LA", "left arm"}, {"right arm", "RA", "right arm"},
	};
	if (*im->site) {
		json_t *cd = NULL;
		for (size_t i = 0; i < EMR_ARRAY_LEN(sites); i++)
			if (strcmp(im->site, sites[i].emr) == 0)
				cd = coding(TERM "v3-ActSite", sites[i].code, sites[i].display);
		json_object_set_new(r, "site", concept(cd, im->site));
	}
	static const struct { const char *emr, *code, *display; } routes[] = {
		{"IM", "IM", "Injection, intramuscular"}, {"SC", "SQ", "Injection, subcutaneous"},
		{"ID", "IDINJ", "Injection, intradermal"}, {"PO", "PO", "Swallow, oral"},
	};
	if (*im->route) {
		json_t *cd = NULL;
		for (size_t i = 0; i < EMR_ARRAY_LEN(routes); i++)
			if (strcmp(im->route, routes[i].emr) == 0)
				cd = coding(TERM "v3-RouteOfAdministration", routes[i].code, routes[i].display);
		json_object_set_new(r, "route", concept(cd, strcmp(im->route, "IN") == 0 ? "intranasal" : im->route));
	}
	if (im->dose_number > 0)
		push(r, "protocolApplied", json_pack("{s:i}", "doseNumberPositiveInt", im->dose_number));
	if (strcmp(im->status, "entered-in-error") == 0 && *im->retired_reason)
		push(r, "note", json_pack("{s:o}", "text", jstr(im->retired_reason)));
	return emit(x, r);
}

/* -------------------------------------------------------------- Procedure */

static int emit_procedure(fx *x, const chart *c, const emr_procedure *p)
{
	json_t *r = resource_id(x, "Procedure", "procedure", p->id, "us-core-procedure", "procedures");
	/* The table's statuses are R4's EventStatus codes. */
	json_object_set_new(r, "status", json_string(*p->status ? p->status : "unknown"));
	static const struct { const char *emr, *uri; } systems[] = {
		{"SNOMED", EMR_FHIR_SNOMED}, {"CPT", EMR_FHIR_CPT}, {"HCPCS", EMR_FHIR_HCPCS},
	};
	const char *system = NULL;
	for (size_t i = 0; i < EMR_ARRAY_LEN(systems); i++)
		if (strcmp(p->code_system, systems[i].emr) == 0)
			system = systems[i].uri;
	/* An "other" code (or the "-" of a procedure that came with text
	 * only) has no system to name: the text alone. */
	json_t *cd = system && strcmp(p->code, "-") != 0 ? coding(system, p->code, p->description) : NULL;
	json_object_set_new(r, "code", concept(cd, p->description));
	json_object_set_new(r, "subject", ref_patient(x, c->p.id));
	set(r, "encounter", ref_chart_encounter(x, c, p->encounter_id));
	if (*p->performed_start && *p->performed_end && strcmp(p->performed_start, p->performed_end) != 0) {
		json_object_set_new(r, "performedPeriod", json_pack("{s:s, s:s}", "start", p->performed_start, "end",
		                                                    p->performed_end));
	} else if (*p->performed_start) {
		set_str(r, "performedDateTime", p->performed_start);
	} else if (*p->performed_end) {
		json_object_set_new(r, "performedPeriod", json_pack("{s:s}", "end", p->performed_end));
	} else if (strcmp(p->status, "completed") == 0) {
		/* US Core: performed[x] is required when completed. */
		json_object_set_new(r, "_performedDateTime",
		                    json_pack("{s:[{s:s, s:s}]}", "extension", "url",
		                              "http://hl7.org/fhir/StructureDefinition/data-absent-reason", "valueCode",
		                              "unknown"));
	}
	/* Who did it, as the source named them: not a user here. */
	if (*p->performer)
		push(r, "performer", json_pack("{s:{s:o}}", "actor", "display", jstr(p->performer)));
	if (*p->note)
		push(r, "note", json_pack("{s:o}", "text", jstr(p->note)));
	if (strcmp(p->status, "entered-in-error") == 0 && *p->retired_reason)
		push(r, "note", json_pack("{s:o}", "text", jstr(p->retired_reason)));
	return emit(x, r);
}

/* ------------------------------------------------------ DocumentReference */

static json_t *markdown_attachment(const char *body, const char *title, const char *created)
{
	json_t *a = json_pack("{s:s}", "contentType", "text/markdown");
	size_t len = strlen(body);
	/* An empty draft has no data: FHIR has no empty base64Binary. */
	if (len) {
		size_t n = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
		char *b64 = emr_xmalloc(n);
		sodium_bin2base64(b64, n, (const unsigned char *)body, len, sodium_base64_VARIANT_ORIGINAL);
		json_object_set_new(a, "data", json_string(b64));
		free(b64);
	}
	set_str(a, "title", title);
	set_str(a, "creation", created);
	return a;
}

static json_t *docref_base(fx *x, const chart *c, const char *prefix, int64_t id, const char *table,
                           const char *loinc, const char *display)
{
	json_t *r = resource_id(x, "DocumentReference", prefix, id, "us-core-documentreference", table);
	(void)c;
	json_object_set_new(r, "status", json_string("current"));
	json_object_set_new(r, "type", concept_code(EMR_FHIR_LOINC, loinc, display, display));
	push(r, "category", concept_code("http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category",
	                                 "clinical-note", "Clinical Note", NULL));
	return r;
}

static const emr_encounter *chart_encounter(const chart *c, int64_t id)
{
	for (size_t i = 0; i < c->encs.n; i++)
		if (c->encs.items[i].id == id)
			return &c->encs.items[i];
	return NULL;
}

static json_t *docref_context(fx *x, const chart *c, int64_t encounter_id)
{
	const emr_encounter *e = chart_encounter(c, encounter_id);
	if (!e)
		return NULL;
	json_t *period = json_pack("{s:s}", "start", e->start_at);
	set_str(period, "end", e->end_at);
	return json_pack("{s:[o], s:o}", "encounter", ref_encounter(x, e->id), "period", period);
}

/* The author of an imported document, as the source named them: a
 * Reference with a display only (valid R4), NULL when unnamed. */
static json_t *outside_author(const char *name)
{
	json_t *v = jstr(name);
	return v ? json_pack("{s:o}", "display", v) : NULL;
}

static int emit_note(fx *x, const chart *c, const emr_note *n)
{
	json_t *r = docref_base(x, c, "note", n->id, "notes", "11506-3", "Progress note");
	bool eie = strcmp(n->status, "entered-in-error") == 0;
	bool signed_ = strcmp(n->status, "signed") == 0;
	if (eie)
		json_object_set_new(r, "status", json_string("entered-in-error"));
	json_object_set_new(r, "docStatus", json_string(signed_ ? "final" : "preliminary"));
	json_object_set_new(r, "subject", ref_patient(x, c->p.id));
	set_str(r, "date", signed_ ? n->signed_at : n->updated_at);
	/* An imported note was written elsewhere: author_id and signed_by
	 * are the user who imported it, so its author goes out as the source
	 * named them (display only, no reference) or not at all.  Signed
	 * before it came, it was signed at the source, so no authenticator
	 * is claimed here; an imported draft signed here afterwards names its
	 * signer here (as emr_note_signer_text does). */
	bool outside = n->imported || *n->source_author;
	bool signed_here = !outside || (*n->imported_at && strcmp(n->signed_at, n->imported_at) >= 0);
	if (outside)
		push(r, "author", outside_author(n->source_author));
	else
		push(r, "author", ref_user(x, n->author_id));
	/* Who signed, and when: R4 has no element for the time, so it rides
	 * on the authenticator reference as an extension. */
	if (signed_ && n->signed_by && signed_here) {
		json_t *auth = ref_user(x, n->signed_by);
		push(auth, "extension", json_pack("{s:s, s:s}", "url", EMR_FHIR_EXT_SIGNED_AT, "valueDateTime", n->signed_at));
		json_object_set_new(r, "authenticator", auth);
	}
	char title[64];
	snprintf(title, sizeof title, "Visit note %" PRId64, n->id);
	push(r, "content", json_pack("{s:o}", "attachment", markdown_attachment(n->body, title, n->created_at)));
	set(r, "context", docref_context(x, c, n->encounter_id));
	return emit(x, r);
}

static int emit_addendum(fx *x, const chart *c, const emr_note *n, const emr_addendum *a)
{
	json_t *r = docref_base(x, c, "addendum", a->id, "note_addenda", "34109-9", "Note");
	char note_id[48];
	snprintf(note_id, sizeof note_id, "note-%" PRId64, n->id);
	push(r, "relatesTo", json_pack("{s:s, s:o}", "code", "appends", "target", ref(x, "DocumentReference", note_id)));
	/* An addendum is final the moment it is written: it cannot change. */
	json_object_set_new(r, "docStatus", json_string("final"));
	json_object_set_new(r, "subject", ref_patient(x, c->p.id));
	set_str(r, "date", a->created_at);
	if (a->imported || *a->source_author)
		push(r, "author", outside_author(a->source_author));
	else
		push(r, "author", ref_user(x, a->author_id));
	char title[64];
	snprintf(title, sizeof title, "Addendum %" PRId64 " to visit note %" PRId64, a->id, n->id);
	push(r, "content", json_pack("{s:o}", "attachment", markdown_attachment(a->body, title, a->created_at)));
	set(r, "context", docref_context(x, c, n->encounter_id));
	return emit(x, r);
}

/* ------------------------------------------------------------ Appointment */

static int emit_appt(fx *x, const chart *c, const emr_appt *a)
{
	json_t *r = resource_id(x, "Appointment", "appt", a->id, NULL, "appointments");
	static const struct { const char *emr, *fhir; } st[] = {
		{"booked", "booked"}, {"arrived", "arrived"}, {"in-room", "checked-in"},
		{"done", "fulfilled"}, {"no-show", "noshow"}, {"cancelled", "cancelled"},
	};
	const char *status = "booked";
	for (size_t i = 0; i < EMR_ARRAY_LEN(st); i++)
		if (strcmp(a->status, st[i].emr) == 0)
			status = st[i].fhir;
	json_object_set_new(r, "status", json_string(status));
	if (strcmp(a->status, "cancelled") == 0)
		set(r, "cancelationReason", concept(NULL, a->cancel_reason));
	set(r, "appointmentType", concept(NULL, a->type));
	set_str(r, "description", a->reason);
	json_object_set_new(r, "start", json_string(a->start_at));
	time_t t;
	if (emr_instant_parse(a->start_at, &t)) {
		char end[EMR_INSTANT_LEN];
		emr_instant_format(t + (time_t)a->duration_min * 60, end);
		json_object_set_new(r, "end", json_string(end));
	}
	json_object_set_new(r, "minutesDuration", json_integer(a->duration_min));
	if (a->overbook)
		set_str(r, "comment", "overbooked");
	push(r, "participant", json_pack("{s:o, s:s}", "actor", ref_patient(x, c->p.id), "status", "accepted"));
	json_t *who = ref_user(x, a->provider_id);
	if (who)
		push(r, "participant", json_pack("{s:o, s:s}", "actor", who, "status", "accepted"));
	return emit(x, r);
}

/* ---------------------------------------------------- ChargeItem, Invoice */

static int emit_charge(fx *x, const chart *c, const emr_charge *ch)
{
	json_t *r = resource_id(x, "ChargeItem", "charge", ch->id, NULL, "charges");
	const char *status = strcmp(ch->status, "invoiced") == 0 ? "billed"
	                     : strcmp(ch->status, "void") == 0   ? "entered-in-error"
	                                                         : "billable";
	json_object_set_new(r, "status", json_string(status));
	/* The code system from the fee schedule; a code missing from it by
	 * its form (HCPCS Level II starts with a letter). */
	bool hcpcs = *ch->system ? strcmp(ch->system, "HCPCS") == 0 : (ch->code[0] >= 'A' && ch->code[0] <= 'Z');
	char text[64];
	snprintf(text, sizeof text, "%s%s%s", ch->code, *ch->modifiers ? " modifiers " : "", ch->modifiers);
	json_object_set_new(r, "code", concept_code(hcpcs ? EMR_FHIR_HCPCS : EMR_FHIR_CPT, ch->code,
	                                            *ch->description ? ch->description : NULL, text));
	json_object_set_new(r, "subject", ref_patient(x, c->p.id));
	set(r, "context", ref_chart_encounter(x, c, ch->encounter_id));
	set_str(r, "occurrenceDateTime", ch->service_date);
	json_object_set_new(r, "performingOrganization", ref_org(x));
	json_object_set_new(r, "quantity", json_pack("{s:i}", "value", ch->units));
	/* R4: "Total price of the charge overriding the list price": the
	 * unit fee at the time of the charge times the units. */
	json_object_set_new(r, "priceOverride", money(ch->amount_cents));
	set_str(r, "enteredDate", ch->created_at);
	/* The visit diagnoses the charge points at ("1,2"). */
	char ptrs[sizeof ch->dx_pointers];
	snprintf(ptrs, sizeof ptrs, "%s", ch->dx_pointers);
	char *save = NULL;
	for (char *w = strtok_r(ptrs, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		int rank = atoi(w);
		for (size_t i = 0; i < c->dxs.n; i++) {
			const emr_encounter_dx *d = &c->dxs.items[i];
			if (d->encounter_id != ch->encounter_id || d->rank != rank)
				continue;
			char dotted[16];
			icd10_dotted(d->icd10, dotted, sizeof dotted);
			push(r, "reason", concept_code(EMR_FHIR_ICD10CM, dotted, *d->description ? d->description : NULL, NULL));
		}
	}
	return emit(x, r);
}

static int emit_invoice(fx *x, const chart *c, const emr_invoice_summary *inv)
{
	json_t *r = resource_id(x, "Invoice", "invoice", inv->id, NULL, "invoices");
	char system[96];
	snprintf(system, sizeof system, EMR_FHIR_ID_BASE "%s:invoices:number", x->uid);
	push(r, "identifier", json_pack("{s:s, s:s}", "system", system, "value", inv->number));
	json_object_set_new(r, "status", json_string("issued"));
	json_object_set_new(r, "subject", ref_patient(x, c->p.id));
	json_object_set_new(r, "recipient", ref_patient(x, c->p.id));
	set_str(r, "date", inv->issued_at);
	json_object_set_new(r, "issuer", ref_org(x));
	int seq = 0;
	for (size_t i = 0; i < c->charges.n; i++)
		if (c->charges.items[i].invoice_id == inv->id)
			push(r, "lineItem", json_pack("{s:i, s:o}", "sequence", ++seq, "chargeItemReference",
			                              ref_id(x, "ChargeItem", "charge", c->charges.items[i].id)));
	json_object_set_new(r, "totalNet", money(inv->total_cents));
	json_object_set_new(r, "totalGross", money(inv->total_cents));
	return emit(x, r);
}

/* Charges and invoices: only for users who may bill (the lists are empty
 * for the others). */
static int emit_billing(fx *x, const chart *c)
{
	int rc = 0;
	for (size_t i = 0; i < c->charges.n && rc == 0; i++)
		rc = emit_charge(x, c, &c->charges.items[i]);
	for (size_t i = c->invoices.n; i-- > 0 && rc == 0;)   /* oldest first */
		rc = emit_invoice(x, c, &c->invoices.items[i]);
	return rc;
}

/* ----------------------------------------------------------- one patient */

static int emit_chart(fx *x, int64_t patient_id)
{
	chart c;
	if (chart_read(x, patient_id, &c) != 0)
		return -1;
	int rc = emit_patient(x, &c);
	/* Oldest first reads best; the domain lists are newest first. */
	for (size_t i = c.encs.n; i-- > 0 && rc == 0;)
		rc = emit_encounter(x, &c, &c.encs.items[i]);
	for (size_t i = 0; i < c.problems.n && rc == 0; i++)
		rc = emit_problem(x, &c, &c.problems.items[i]);
	for (size_t i = 0; i < c.dxs.n && rc == 0; i++)
		rc = emit_diagnosis(x, &c, &c.dxs.items[i]);
	for (size_t i = 0; i < c.allergies.n && rc == 0; i++)
		rc = emit_allergy(x, &c, &c.allergies.items[i]);
	for (size_t i = 0; i < c.meds.n && rc == 0; i++)
		rc = emit_medication(x, &c, &c.meds.items[i]);
	if (rc == 0)
		rc = emit_vitals(x, &c);
	for (size_t i = 0; i < c.labs.n && rc == 0; i++)
		rc = emit_observation(x, &c, &c.labs.items[i], false);
	for (size_t i = 0; i < c.imms.n && rc == 0; i++)
		rc = emit_immunization(x, &c, &c.imms.items[i]);
	/* Oldest first, as the visits. */
	for (size_t i = c.procs.n; i-- > 0 && rc == 0;)
		rc = emit_procedure(x, &c, &c.procs.items[i]);
	for (size_t i = 0; i < c.notes.n && rc == 0; i++) {
		const emr_note *n = &c.notes.items[i];
		rc = emit_note(x, &c, n);
		if (rc || strcmp(n->status, "signed") != 0)
			continue;
		emr_addenda ad = {0};
		rc = emr_addendum_list(x->db, n->id, &ad);
		for (size_t k = 0; k < ad.n && rc == 0; k++)
			rc = emit_addendum(x, &c, n, &ad.items[k]);
		emr_addenda_free(&ad);
	}
	for (size_t i = 0; i < c.appts.n && rc == 0; i++)
		rc = emit_appt(x, &c, &c.appts.items[i]);
	if (rc == 0)
		rc = emit_billing(x, &c);
	chart_free(&c);
	return rc;
}

/* --------------------------------------------------------------- shared */

static int fx_begin(fx *x, emr_db *db, bool bundle, const char *what)
{
	memset(x, 0, sizeof *x);
	x->db = db;
	x->bundle = bundle;
	if (sodium_init() < 0) {
		emr_db_set_error(db, "libsodium could not be initialised");
		return -1;
	}
	if (emr_permit(db, EMR_PERM_CLINICAL_READ, what) != 0 || emr_permit(db, EMR_PERM_NOTE_READ, what) != 0)
		return -1;
	x->billing = emr_perm_allowed(db, EMR_PERM_BILLING);
	if (emr_fhir_installation_uid(db, x->uid) != 0)
		return -1;
	return 0;
}

static void fx_end(fx *x)
{
	free(x->users);
	free(x->buf);
	x->buf = NULL;
	json_decref(x->entries);
	x->users = NULL;
	x->entries = NULL;
}

/* -------------------------------------------------------- one patient out */

int emr_fhir_export_patient(emr_db *db, int64_t patient_id, FILE *out)
{
	char what[64];
	snprintf(what, sizeof what, "export fhir %" PRId64, patient_id);
	fx x;
	if (fx_begin(&x, db, true, what) != 0) {
		fx_end(&x);
		return -1;
	}
	x.entries = json_array();
	int rc = emit_chart(&x, patient_id);
	/* The practice and the people the chart names, after the Patient. */
	size_t tail = json_array_size(x.entries);
	if (rc == 0)
		rc = emit_organization(&x);
	for (size_t i = 0; i < x.nusers && rc == 0; i++) {
		emr_user u;
		rc = emr_user_get(db, x.users[i], &u);
		if (rc == 0)
			rc = emit(&x, practitioner(&x, &u));
	}
	if (rc == 0) {
		/* Move them from the end to just after the Patient. */
		size_t n = json_array_size(x.entries);
		for (size_t k = tail; k < n; k++) {
			json_t *e = json_incref(json_array_get(x.entries, k));
			json_array_remove(x.entries, k);
			json_array_insert_new(x.entries, 1 + (k - tail), e);
		}
	}
	if (rc != 0) {
		fx_end(&x);
		return -1;
	}
	char now[EMR_INSTANT_LEN], id[48];
	emr_now_instant(now);
	snprintf(id, sizeof id, "export-patient-%" PRId64, patient_id);
	json_t *bundle = json_pack("{s:s, s:s, s:{s:s}, s:s, s:s, s:o}", "resourceType", "Bundle", "id", id, "meta",
	                           "lastUpdated", now, "type", "collection", "timestamp", now, "entry", x.entries);
	x.entries = NULL;
	/* Audited before a byte goes out: no export escapes the log. */
	char detail[96];
	snprintf(detail, sizeof detail, "FHIR R4 Bundle, %zu resources", json_array_size(json_object_get(bundle, "entry")));
	rc = emr_audit(db, "export", "patients", patient_id, patient_id, detail);
	if (rc == 0) {
		errno = 0;
		if (json_dumpf(bundle, out, JSON_INDENT(1) | FX_REAL_PRECISION) != 0 || fputc('\n', out) == EOF ||
		    fflush(out) != 0) {
			emr_db_set_error(db, "writing the export: %s", strerror(errno ? errno : EIO));
			rc = -1;
		}
	}
	json_decref(bundle);
	fx_end(&x);
	return rc;
}

/* ------------------------------------------------------------ bulk NDJSON */

static int open_type_file(emr_db *db, const char *dir, const char *type, bool force, FILE **out)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s.ndjson", dir, type);
	int flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | (force ? O_TRUNC : O_EXCL);
	int fd = open(path, flags, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			emr_db_set_error(db, "%s exists: use --force to overwrite it", path);
		else
			emr_db_set_error(db, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	if (fchmod(fd, 0600) != 0 || !(*out = fdopen(fd, "w"))) {
		emr_db_set_error(db, "cannot write %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	setvbuf(*out, NULL, _IOFBF, 1 << 16);
	return 0;
}

int emr_fhir_export_all_ndjson(emr_db *db, const char *dir, const emr_fhir_bulk_opts *opts,
                               emr_fhir_bulk_result *result)
{
	emr_fhir_bulk_opts none = {0};
	if (!opts)
		opts = &none;
	if (result)
		memset(result, 0, sizeof *result);
	fx x;
	if (fx_begin(&x, db, false, "export fhir --all") != 0) {
		fx_end(&x);
		return -1;
	}
	int rc = -1;
	bool in_tx = false, opened[EMR_FHIR_NTYPES] = {false};
	sqlite3 *conn = emr_db_sqlite(db);

	/* The directory (0700 when made here) and, before anything is
	 * written, every file that would be overwritten. */
	struct stat sb;
	if (stat(dir, &sb) != 0) {
		char err[512], probe[4096];
		snprintf(probe, sizeof probe, "%s/x", dir);
		if (emr_mkdir_parents(probe, err, sizeof err) != 0) {
			emr_db_set_error(db, "%s", err);
			goto out;
		}
	} else if (!S_ISDIR(sb.st_mode)) {
		emr_db_set_error(db, "%s is not a directory", dir);
		goto out;
	}
	for (int t = 0; t < EMR_FHIR_NTYPES && !opts->force; t++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s.ndjson", dir, emr_fhir_types[t]);
		if (lstat(path, &sb) == 0) {
			emr_db_set_error(db, "%s exists: use --force to overwrite it", path);
			goto out;
		}
	}
	long total = 0;
	if (emr_patient_count(db, &total) != 0)
		goto out;
	char detail[160];
	snprintf(detail, sizeof detail, "FHIR R4 bulk NDJSON of every patient (%ld)", total);
	if (emr_audit(db, "export", "patients", 0, 0, detail) != 0)
		goto out;
	for (int t = 0; t < EMR_FHIR_NTYPES; t++)
		if (open_type_file(db, dir, emr_fhir_types[t], opts->force, &x.files[t]) != 0)
			goto out;
		else
			opened[t] = true;

	/* One read transaction: a consistent snapshot, while other sessions
	 * go on writing (WAL). */
	if (sqlite3_exec(conn, "BEGIN DEFERRED", NULL, NULL, NULL) != SQLITE_OK) {
		emr_db_fail(db, "starting the export's read transaction");
		goto out;
	}
	in_tx = true;
	if (emit_organization(&x) != 0)
		goto out;
	emr_user_list users = {0};
	if (emr_user_list_all(db, &users) != 0)
		goto out;
	for (size_t i = 0; i < users.n && !x.error; i++)
		emit(&x, practitioner(&x, &users.items[i]));
	emr_user_list_free(&users);

	int64_t ids[512], after = 0;
	long done = 0;
	for (;;) {
		size_t n;
		if (emr_patient_ids(db, after, (int)EMR_ARRAY_LEN(ids), ids, &n) != 0)
			goto out;
		if (n == 0)
			break;
		for (size_t i = 0; i < n; i++) {
			if (emit_chart(&x, ids[i]) != 0)
				goto out;
			done++;
		}
		after = ids[n - 1];
		if (opts->progress)
			opts->progress(opts->progress_arg, done, total);
	}
	if (x.error)
		goto out;
	rc = 0;
	if (result)
		result->patients = done;
out:
	if (in_tx)
		sqlite3_exec(conn, rc == 0 ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL);
	for (int t = 0; t < EMR_FHIR_NTYPES; t++) {
		if (!x.files[t])
			continue;
		if ((fclose(x.files[t]) != 0 || x.error) && rc == 0) {
			emr_db_set_error(db, "writing %s/%s.ndjson: %s", dir, emr_fhir_types[t],
			                 strerror(x.error ? x.error : errno));
			rc = -1;
		}
		x.files[t] = NULL;
	}
	if (x.error && rc != 0 && !*emr_db_error(db))
		emr_db_set_error(db, "writing the export: %s", strerror(x.error));
	/* Types with no resource get no file; a failed export leaves none
	 * of its files behind (only files this run opened are removed). */
	for (int t = 0; t < EMR_FHIR_NTYPES; t++) {
		if (result)
			result->counts[t] = rc == 0 ? x.counts[t] : 0;
		if (opened[t] && (rc != 0 || x.counts[t] == 0)) {
			char path[4096];
			snprintf(path, sizeof path, "%s/%s.ndjson", dir, emr_fhir_types[t]);
			unlink(path);
		}
	}
	fx_end(&x);
	return rc;
}
