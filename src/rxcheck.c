/* rxcheck: a prescription checked against the allergy list (rxcheck.h).
 *
 * The class table below is curated.  Class memberships follow the WHO
 * ATC classification (WHO Collaborating Centre for Drug Statistics
 * Methodology, https://www.whocc.no/atc_ddd_index/): penicillins J01C
 * (J01CA extended spectrum, J01CE beta-lactamase sensitive, J01CF
 * beta-lactamase resistant, J01CR with beta-lactamase inhibitors),
 * cephalosporins J01DB-J01DI, sulfonamides J01E, macrolides J01FA,
 * fluoroquinolones J01MA, tetracyclines J01AA, NSAIDs M01A and aspirin
 * N02BA, opioids N02A, statins C10AA, ACE inhibitors C09AA.  The clinical
 * groupings on top of ATC (which allergies cross-react, and how strongly)
 * and every reference are listed in data/SOURCES.md, "Drug classes for
 * the allergy check".  Names are written already folded (lower case, no
 * punctuation: "amoxicillin clavulanate"), as normalise() produces. */
#include "emr/rxcheck.h"

#include "emr/normalize.h"
#include "emr/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIST(...) ((const char *const[]){__VA_ARGS__, NULL})

typedef struct drug_class {
	const char *id;
	const char *noun;                /* "a penicillin": "X is <noun>" */
	const char *const *aliases;      /* allergy names meaning the class */
	const char *const *members;      /* ingredients */
	const char *note;                /* added to a same-class warning, or NULL */
} drug_class;

/* A penicillin allergy: the label in 8-15% of people, mostly not a true
 * allergy on testing; the classes are still flagged, the prescriber
 * decides (AAAAI/ACAAI drug allergy practice parameter, 2022). */
static const drug_class classes[] = {
	{"penicillins", "a penicillin",
	 LIST("penicillin", "penicillins", "pcn", "pen", "penicillin antibiotics", "beta lactam", "beta lactams",
	      "beta lactam antibiotics"),
	 LIST("penicillin", "penicillin g", "penicillin v", "benzylpenicillin", "phenoxymethylpenicillin",
	      "amoxicillin", "amoxicillin clavulanate", "amoxicillin and clavulanate", "ampicillin",
	      "ampicillin sulbactam", "dicloxacillin", "cloxacillin", "flucloxacillin", "nafcillin", "oxacillin",
	      "piperacillin", "piperacillin tazobactam", "ticarcillin", "carbenicillin", "pivmecillinam"),
	 NULL},
	{"cephalosporins", "a cephalosporin",
	 LIST("cephalosporin", "cephalosporins", "cephalosporin antibiotics", "beta lactam", "beta lactams",
	      "beta lactam antibiotics"),
	 LIST("cephalexin", "cefalexin", "cefadroxil", "cefazolin", "cefaclor", "cefuroxime", "cefprozil", "cefoxitin",
	      "cefdinir", "cefixime", "cefpodoxime", "cefditoren", "ceftibuten", "ceftriaxone", "cefotaxime",
	      "ceftazidime", "cefepime", "ceftaroline", "cefiderocol"),
	 NULL},
	/* Only the arylamine sulfonamides: "sulfa" allergy does not extend
	 * to furosemide, thiazides or sulfonylureas (Strom et al., NEJM
	 * 2003); sulfasalazine is the exception, structurally a sulfa
	 * antibiotic. */
	{"sulfonamides", "a sulfa drug (arylamine sulfonamide)",
	 LIST("sulfa", "sulfas", "sulfa drug", "sulfa drugs", "sulfa antibiotic", "sulfa antibiotics", "sulfonamide",
	      "sulfonamides", "sulfonamide antibiotic", "sulfonamide antibiotics", "sulpha", "sulphonamide",
	      "sulphonamides"),
	 LIST("sulfamethoxazole", "sulfamethoxazole trimethoprim", "trimethoprim sulfamethoxazole", "cotrimoxazole",
	      "co trimoxazole", "sulfadiazine", "silver sulfadiazine", "sulfisoxazole", "sulfacetamide", "sulfasalazine"),
	 NULL},
	/* Cross-reactive NSAID hypersensitivity follows COX-1 inhibition,
	 * so every non-selective NSAID, aspirin included, is one class. */
	{"nsaids", "an NSAID",
	 LIST("nsaid", "nsaids", "nsaid s", "non steroidal anti inflammatory drugs", "nonsteroidal anti inflammatory drugs",
	      "non steroidal anti inflammatory drug", "nonsteroidal anti inflammatory drug", "nonsteroidals",
	      "anti inflammatories", "anti inflammatory drugs"),
	 LIST("aspirin", "acetylsalicylic acid", "asa", "ibuprofen", "naproxen", "diclofenac", "meloxicam", "ketorolac",
	      "indomethacin", "indometacin", "etodolac", "nabumetone", "piroxicam", "ketoprofen", "flurbiprofen",
	      "oxaprozin", "sulindac", "diflunisal", "mefenamic acid", "fenoprofen", "tolmetin"),
	 "cross-reactive NSAID hypersensitivity is common"},
	/* COX-2 selective: usually tolerated after NSAID hypersensitivity,
	 * not always (a minority react on challenge). */
	{"coxibs", "a COX-2 selective NSAID", LIST("coxib", "coxibs", "cox 2 inhibitor", "cox 2 inhibitors"),
	 LIST("celecoxib", "etoricoxib", "parecoxib"), NULL},
	/* Opioids by chemical class: allergy crosses most within a class. */
	{"phenanthrenes", "a phenanthrene opioid (morphine family)",
	 LIST("opioid", "opioids", "opiate", "opiates", "narcotic", "narcotics", "narcotic analgesics",
	      "opioid analgesics"),
	 LIST("morphine", "codeine", "hydrocodone", "oxycodone", "hydromorphone", "oxymorphone", "levorphanol",
	      "buprenorphine", "nalbuphine", "butorphanol", "pentazocine", "heroin", "diamorphine"),
	 NULL},
	{"phenylpiperidines", "a phenylpiperidine opioid",
	 LIST("opioid", "opioids", "opiate", "opiates", "narcotic", "narcotics", "narcotic analgesics",
	      "opioid analgesics"),
	 LIST("fentanyl", "meperidine", "pethidine", "sufentanil", "alfentanil", "remifentanil"), NULL},
	{"diphenylheptanes", "a diphenylheptane opioid",
	 LIST("opioid", "opioids", "opiate", "opiates", "narcotic", "narcotics", "narcotic analgesics",
	      "opioid analgesics"),
	 LIST("methadone", "propoxyphene"), NULL},
	{"other opioids", "an opioid",
	 LIST("opioid", "opioids", "opiate", "opiates", "narcotic", "narcotics", "narcotic analgesics",
	      "opioid analgesics"),
	 LIST("tramadol", "tapentadol"), NULL},
	{"macrolides", "a macrolide", LIST("macrolide", "macrolides", "macrolide antibiotics"),
	 LIST("erythromycin", "azithromycin", "clarithromycin", "roxithromycin"), NULL},
	{"fluoroquinolones", "a fluoroquinolone",
	 LIST("fluoroquinolone", "fluoroquinolones", "quinolone", "quinolones", "quinolone antibiotics"),
	 LIST("ciprofloxacin", "levofloxacin", "moxifloxacin", "ofloxacin", "norfloxacin", "gemifloxacin",
	      "delafloxacin"),
	 NULL},
	{"tetracyclines", "a tetracycline", LIST("tetracyclines", "tetracycline antibiotics"),
	 LIST("tetracycline", "doxycycline", "minocycline", "demeclocycline", "omadacycline", "sarecycline",
	      "tigecycline"),
	 NULL},
	{"statins", "a statin", LIST("statin", "statins", "hmg coa reductase inhibitor", "hmg coa reductase inhibitors"),
	 LIST("atorvastatin", "simvastatin", "rosuvastatin", "pravastatin", "lovastatin", "fluvastatin", "pitavastatin"),
	 NULL},
	/* ACE-inhibitor angioedema comes from bradykinin, a class effect:
	 * after it, no ACE inhibitor is given again. */
	{"ace inhibitors", "an ACE inhibitor",
	 LIST("ace inhibitor", "ace inhibitors", "acei", "ace i", "acei s", "ace inhibitor s",
	      "angiotensin converting enzyme inhibitor", "angiotensin converting enzyme inhibitors"),
	 LIST("benazepril", "captopril", "enalapril", "enalaprilat", "fosinopril", "lisinopril", "moexipril",
	      "perindopril", "quinapril", "ramipril", "trandolapril"),
	 "angioedema from one ACE inhibitor is a class effect: avoid them all"},
};

/* Classes whose cross-reactivity is real but uncommon: warned with lower
 * wording.  Both directions are listed where both apply. */
static const struct {
	const char *allergy, *drug, *why;
} cross[] = {
	{"penicillins", "cephalosporins",
	 "possible cross-reactivity with a penicillin allergy (uncommon; most likely with a shared side chain)"},
	{"cephalosporins", "penicillins",
	 "possible cross-reactivity with a cephalosporin allergy (uncommon; most likely with a shared side chain)"},
	{"nsaids", "coxibs", "possible cross-reactivity with an NSAID allergy (COX-2 selective: usually tolerated)"},
	{"coxibs", "nsaids", "possible cross-reactivity with a COX-2 inhibitor allergy"},
	{"phenanthrenes", "phenylpiperidines", "an opioid of another chemical class: cross-reactivity is possible but less likely"},
	{"phenanthrenes", "diphenylheptanes", "an opioid of another chemical class: cross-reactivity is possible but less likely"},
	{"phenanthrenes", "other opioids", "an opioid of another chemical class: cross-reactivity is possible but less likely"},
	{"phenylpiperidines", "phenanthrenes", "an opioid of another chemical class: cross-reactivity is possible but less likely"},
	{"phenylpiperidines", "diphenylheptanes", "an opioid of another chemical class: cross-reactivity is possible but less likely"},
	{"phenylpiperidines", "other opioids", "an opioid of another chemical class: cross-reactivity is possible but less likely"},
	{"diphenylheptanes", "phenanthrenes", "an opioid of another chemical class: cross-reactivity is possible but less likely"},
	{"diphenylheptanes", "phenylpiperidines", "an opioid of another chemical class: cross-reactivity is possible but less likely"},
	{"diphenylheptanes", "other opioids", "an opioid of another chemical class: cross-reactivity is possible but less likely"},
	{"other opioids", "phenanthrenes", "an opioid of another chemical class: cross-reactivity is possible but less likely"},
	{"other opioids", "phenylpiperidines", "an opioid of another chemical class: cross-reactivity is possible but less likely"},
	{"other opioids", "diphenylheptanes", "an opioid of another chemical class: cross-reactivity is possible but less likely"},
};

/* Common US brand names, read as their ingredients (from the products'
 * US labels), so an allergy recorded as "Bactrim" or a drug typed as
 * "Augmentin" still matches. */
static const struct {
	const char *brand, *generic;
} brands[] = {
	{"amoxil", "amoxicillin"}, {"augmentin", "amoxicillin clavulanate"}, {"unasyn", "ampicillin sulbactam"},
	{"zosyn", "piperacillin tazobactam"}, {"bicillin", "penicillin g"}, {"keflex", "cephalexin"},
	{"ceftin", "cefuroxime"}, {"omnicef", "cefdinir"}, {"rocephin", "ceftriaxone"}, {"ancef", "cefazolin"},
	{"bactrim", "sulfamethoxazole trimethoprim"}, {"septra", "sulfamethoxazole trimethoprim"},
	{"azulfidine", "sulfasalazine"}, {"advil", "ibuprofen"}, {"motrin", "ibuprofen"}, {"aleve", "naproxen"},
	{"naprosyn", "naproxen"}, {"voltaren", "diclofenac"}, {"mobic", "meloxicam"}, {"toradol", "ketorolac"},
	{"indocin", "indomethacin"}, {"celebrex", "celecoxib"}, {"percocet", "oxycodone"}, {"oxycontin", "oxycodone"},
	{"vicodin", "hydrocodone"}, {"norco", "hydrocodone"}, {"dilaudid", "hydromorphone"}, {"ultram", "tramadol"},
	{"demerol", "meperidine"}, {"duragesic", "fentanyl"}, {"zithromax", "azithromycin"}, {"biaxin", "clarithromycin"},
	{"cipro", "ciprofloxacin"}, {"levaquin", "levofloxacin"}, {"avelox", "moxifloxacin"},
	{"vibramycin", "doxycycline"}, {"minocin", "minocycline"}, {"lipitor", "atorvastatin"}, {"zocor", "simvastatin"},
	{"crestor", "rosuvastatin"}, {"pravachol", "pravastatin"}, {"zestril", "lisinopril"}, {"prinivil", "lisinopril"},
	{"vasotec", "enalapril"}, {"altace", "ramipril"}, {"lotensin", "benazepril"}, {"accupril", "quinapril"},
};

/* ------------------------------------------------------------- text */

/* Folded text as " word word " (lower case, no accents, punctuation as
 * spaces, brand names replaced by their ingredients), so a phrase is
 * found with strstr(" phrase ").  Caller frees. */
static char *normalise(const char *s)
{
	char *folded = emr_fold(s ? s : "");
	if (!folded)
		folded = emr_xstrdup("");
	for (char *p = folded; *p; p++)
		if ((unsigned char)*p < 0x80 && !((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
			*p = ' ';
	emr_sb out = EMR_SB_INIT;
	emr_sb_putc(&out, ' ');
	for (char *save = NULL, *w = strtok_r(folded, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		const char *word = w;
		for (size_t i = 0; i < EMR_ARRAY_LEN(brands); i++)
			if (strcmp(w, brands[i].brand) == 0)
				word = brands[i].generic;
		emr_sb_append(&out, word);
		emr_sb_putc(&out, ' ');
	}
	free(folded);
	return emr_sb_take(&out);
}

/* True when the normalised text holds phrase as whole words. */
static bool has_phrase(const char *text, const char *phrase)
{
	size_t n = strlen(phrase);
	for (const char *p = text; (p = strstr(p, phrase)) != NULL; p++)
		if (p > text && p[-1] == ' ' && p[n] == ' ')
			return true;
	return false;
}

/* The normalised text without its padding, into buf. */
static void bare(const char *norm, char *buf, size_t n)
{
	while (*norm == ' ')
		norm++;
	emr_strlcpy(buf, norm, n);
	size_t len = strlen(buf);
	while (len && buf[len - 1] == ' ')
		buf[--len] = '\0';
}

/* An allergy written "penicillin allergy" or "allergy to sulfa" means
 * the substance; these words are dropped before matching. */
static void drop_filler(char *norm)
{
	static const char *const filler[] = {" allergy ", " allergies ", " allergic ", " to ", " class "};
	for (size_t i = 0; i < EMR_ARRAY_LEN(filler); i++) {
		char *p;
		size_t n = strlen(filler[i]);
		while ((p = strstr(norm, filler[i])) != NULL)
			memmove(p, p + n - 1, strlen(p + n - 1) + 1);
	}
}

/* Sets the warning's reason, cut on a character boundary if long. */
__attribute__((format(printf, 2, 3))) static void set_why(emr_rx_warning *w, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	emr_strlcpy(w->why, buf, sizeof w->why);
}

/* ------------------------------------------------------------- classes */

/* The member of class c that the text contains (the longest), or NULL. */
static const char *member_in(const drug_class *c, const char *text)
{
	const char *best = NULL;
	for (const char *const *m = c->members; *m; m++)
		if (has_phrase(text, *m) && (!best || strlen(*m) > strlen(best)))
			best = *m;
	return best;
}

static bool alias_is(const drug_class *c, const char *bare_text)
{
	for (const char *const *a = c->aliases; *a; a++)
		if (strcmp(bare_text, *a) == 0)
			return true;
	return false;
}

const char *emr_rx_class_of(const char *drug)
{
	char *d = normalise(drug);
	const char *noun = NULL;
	for (size_t i = 0; i < EMR_ARRAY_LEN(classes) && !noun; i++)
		if (member_in(&classes[i], d))
			noun = classes[i].noun;
	free(d);
	return noun;
}

static const char *cross_why(const char *allergy_class, const char *drug_class_id)
{
	for (size_t i = 0; i < EMR_ARRAY_LEN(cross); i++)
		if (strcmp(cross[i].allergy, allergy_class) == 0 && strcmp(cross[i].drug, drug_class_id) == 0)
			return cross[i].why;
	return NULL;
}

/* Compares one allergy with the drug; true with w->match and w->why set
 * when they match.  drug_shown is the drug as typed (for the message). */
static bool match_one(const char *allergy_norm, const char *drug_norm, const char *drug_shown, emr_rx_warning *w)
{
	char a_bare[EMR_NAME_MAX + 8], d_bare[EMR_NAME_MAX + 8];
	bare(allergy_norm, a_bare, sizeof a_bare);
	bare(drug_norm, d_bare, sizeof d_bare);
	if (!*a_bare || !*d_bare)
		return false;
	/* The same substance, or one contains the other (a combination). */
	if (strcmp(a_bare, d_bare) == 0) {
		w->match = EMR_RX_SAME_SUBSTANCE;
		set_why(w, "%s is the recorded allergen", drug_shown);
		return true;
	}
	if (has_phrase(drug_norm, a_bare)) {
		w->match = EMR_RX_SAME_SUBSTANCE;
		set_why(w, "%s contains %s", drug_shown, a_bare);
		return true;
	}
	if (has_phrase(allergy_norm, d_bare)) {
		w->match = EMR_RX_SAME_SUBSTANCE;
		set_why(w, "the allergy is to %s, which contains %s", w->substance, d_bare);
		return true;
	}
	/* Same class: the allergy names the class, or a member of it. */
	const char *cross_reason = NULL;
	const drug_class *cross_class = NULL;
	const char *cross_member = NULL;
	for (size_t i = 0; i < EMR_ARRAY_LEN(classes); i++) {
		const drug_class *dc = &classes[i];
		const char *in_drug = member_in(dc, drug_norm);
		if (!in_drug)
			continue;
		for (size_t j = 0; j < EMR_ARRAY_LEN(classes); j++) {
			const drug_class *ac = &classes[j];
			bool by_alias = alias_is(ac, a_bare);
			const char *in_allergy = by_alias ? NULL : member_in(ac, allergy_norm);
			if (!by_alias && !in_allergy)
				continue;
			if (ac == dc) {
				w->match = EMR_RX_SAME_CLASS;
				set_why(w, "%s is %s%s%s%s%s%s", in_drug, dc->noun, in_allergy ? ", like " : "",
				        in_allergy ? in_allergy : "", dc->note ? " (" : "", dc->note ? dc->note : "",
				        dc->note ? ")" : "");
				return true;
			}
			const char *why = cross_why(ac->id, dc->id);
			if (why && !cross_reason) {
				cross_reason = why;
				cross_class = dc;
				cross_member = in_drug;
			}
		}
	}
	if (cross_reason) {
		w->match = EMR_RX_CROSS_REACTIVE;
		set_why(w, "%s is %s: %s", cross_member, cross_class->noun, cross_reason);
		return true;
	}
	return false;
}

/* ------------------------------------------------------------- check */

static int severity_rank(const char *s)
{
	return !strcmp(s, "severe") ? 3 : !strcmp(s, "moderate") ? 2 : !strcmp(s, "mild") ? 1 : 0;
}

static int cmp_warning(const void *a, const void *b)
{
	const emr_rx_warning *x = a, *y = b;
	if (x->match != y->match)
		return (int)x->match - (int)y->match;
	return severity_rank(y->severity) - severity_rank(x->severity);
}

int emr_rx_check(emr_db *db, int64_t patient_id, const char *drug, emr_rx_warning *out, size_t max)
{
	emr_allergies list = {0};
	if (emr_allergy_list(db, patient_id, EMR_CURRENT, &list) != 0)
		return -1;
	char *d = normalise(drug);
	/* The drug as typed, without surrounding blanks, for the messages. */
	char shown[EMR_NAME_MAX];
	emr_strlcpy(shown, drug + strspn(drug, " "), sizeof shown);
	for (size_t len = strlen(shown); len && shown[len - 1] == ' ';)
		shown[--len] = '\0';
	emr_rx_warning *found = list.n ? emr_xcalloc(list.n, sizeof *found) : NULL;
	size_t n = 0;
	for (size_t i = 0; i < list.n; i++) {
		const emr_allergy *a = &list.items[i];
		/* NKDA says nothing about any drug; only active entries count
		 * (the list above has no retired or superseded ones). */
		if (a->is_nkda || strcmp(a->status, "active") != 0 || !*a->substance)
			continue;
		char *an = normalise(a->substance);
		drop_filler(an);
		emr_rx_warning *w = &found[n];
		memset(w, 0, sizeof *w);
		w->allergy_id = a->id;
		emr_strlcpy(w->substance, a->substance, sizeof w->substance);
		emr_strlcpy(w->reaction, a->reaction, sizeof w->reaction);
		emr_strlcpy(w->severity, a->severity, sizeof w->severity);
		if (match_one(an, d, shown, w))
			n++;
		free(an);
	}
	if (n > 1)
		qsort(found, n, sizeof *found, cmp_warning);
	for (size_t i = 0; i < n && i < max; i++)
		out[i] = found[i];
	free(found);
	free(d);
	emr_list_free(&list);
	return (int)n;
}

void emr_rx_describe(const emr_rx_warning *w, size_t count, char *buf, size_t n)
{
	emr_sb sb = EMR_SB_INIT;
	for (size_t i = 0; i < count; i++) {
		if (i)
			emr_sb_append(&sb, "; ");
		emr_sb_printf(&sb, "allergy %s", w[i].substance);
		if (*w[i].reaction || *w[i].severity)
			emr_sb_printf(&sb, " (%s%s%s)", w[i].reaction, *w[i].reaction && *w[i].severity ? ", " : "",
			              w[i].severity);
		emr_sb_printf(&sb, ": %s", w[i].why);
	}
	emr_strlcpy(buf, emr_sb_str(&sb), n);
	emr_sb_free(&sb);
}
