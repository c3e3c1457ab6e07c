/* demo: a deterministic synthetic practice.
 *
 * Each patient is drawn from a PRNG stream of its own, derived from the
 * seed and the patient's number, so patient 17 is the same chart whether
 * 200 or 100,000 are generated; only the shared future schedule depends on
 * the order.  Dates are handled as day numbers (days since 1970-01-01 on
 * the practice's local calendar) and turned into text and UTC instants by
 * the C library.  Rows are inserted with explicit ids taken from counters,
 * so the two rows of a blood pressure can name their panel in the same
 * INSERT and nothing needs last_insert_rowid().
 *
 * Clinical content follows US primary care: ICD-10-CM FY2026 codes (their
 * descriptions are read from the loaded release), LOINC vitals and labs
 * with the units and ranges of the loinc table, the CDC childhood schedule
 * with CVX codes chosen from those present in the cvx table, and drugs
 * with ordinary strengths and sigs.  RxNorm codes are left NULL rather
 * than guessed. */
#include "emr/demo.h"

#include "emr/audit.h"
#include "emr/clinical.h"
#include "emr/codes.h"
#include "emr/datetime.h"
#include "emr/normalize.h"
#include "emr/practice.h"
#include "emr/util.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NO_DAY (-1000000L)   /* "no such date" for day numbers */
#define DAYS_PER_YEAR 365.2425

/* ================================================================ PRNG */

/* splitmix64: tiny, fast, and good enough for synthetic charts. */
typedef struct rng {
	uint64_t s;
} rng;

static uint64_t rng_next(rng *r)
{
	uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/* A stream of its own for each (seed, stream) pair. */
static rng rng_for(uint64_t seed, uint64_t stream)
{
	rng r = {seed * 0xD1B54A32D192ED03ull ^ (stream + 1) * 0x9E3779B97F4A7C15ull};
	rng_next(&r);
	return r;
}

/* Uniform in [0, 1). */
static double rng_unit(rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform integer in [lo, hi]. */
static int rng_int(rng *r, int lo, int hi)
{
	if (hi <= lo)
		return lo;
	return lo + (int)(rng_unit(r) * (double)(hi - lo + 1));
}

static bool rng_chance(rng *r, double p)
{
	return rng_unit(r) < p;
}

/* Roughly standard normal, as the sum of four uniforms: bounded at about
 * +-3.5, which keeps synthetic values away from absurd tails, and needs no
 * libm, so every machine draws the same numbers. */
static double rng_normal(rng *r)
{
	double s = rng_unit(r) + rng_unit(r) + rng_unit(r) + rng_unit(r);
	return (s - 2.0) * 1.7320508075688772;
}

#define PICK(r, arr) ((arr)[rng_int((r), 0, (int)EMR_ARRAY_LEN(arr) - 1)])

/* ================================================================ names */

typedef struct culture {
	const char *const *female;
	size_t nfemale;
	const char *const *male;
	size_t nmale;
	const char *const *family;
	size_t nfamily;
	int weight;               /* relative share of patients */
	double compound_family;   /* chance of a two-part family name */
	int order;                /* written given first (0), family first (1), family first unspaced (2) */
} culture;

#define LIST(a) a, EMR_ARRAY_LEN(a)

static const char *const us_f[] = {
	"Emily", "Sarah", "Jessica", "Ashley", "Elizabeth", "Jennifer", "Olivia", "Emma", "Madison",
	"Hannah", "Abigail", "Margaret", "Dorothy", "Barbara", "Linda", "Patricia", "Susan", "Karen",
	"Nancy", "Ruth", "Helen", "Grace", "Ava", "Charlotte", "Harper", "Zoë", "Megan", "Lauren",
	"Kayla", "Brittany", "Amanda", "Rebecca", "Katherine", "Evelyn", "Mildred", "Joan",
};
static const char *const us_m[] = {
	"James", "John", "Robert", "Michael", "William", "David", "Richard", "Joseph", "Thomas",
	"Charles", "Christopher", "Daniel", "Matthew", "Anthony", "Mark", "Steven", "Paul", "Andrew",
	"Joshua", "Kevin", "Brian", "George", "Edward", "Ryan", "Jacob", "Ethan", "Noah", "Liam",
	"Mason", "Logan", "Tyler", "Walter", "Harold", "Frank", "Raymond", "Eugene",
};
static const char *const us_fam[] = {
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson",
	"Taylor", "Thomas", "Moore", "Martin", "Jackson", "Thompson", "White", "Harris", "Clark",
	"Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Hill", "Green",
	"Adams", "Baker", "Nelson", "Carter", "Mitchell", "Roberts", "Campbell", "Parker", "Evans",
	"Edwards", "Collins", "Stewart", "Morris", "Cook", "Rogers", "Morgan", "Cooper", "Peterson",
	"Reed", "Bailey", "Bell", "Howard", "Ward", "Cox", "Richardson", "Wood", "Watson", "Brooks",
	"Bennett", "Gray", "Hughes", "Price", "Sanders", "Myers", "Long", "Ross", "Foster",
	"Smith-Jones", "Washington", "Jefferson",
};
static const char *const ie_f[] = {"Siobhán", "Aoife", "Niamh", "Saoirse", "Caoimhe", "Róisín", "Bridget", "Máire"};
static const char *const ie_m[] = {"Seán", "Ciarán", "Pádraig", "Eoin", "Cormac", "Declan", "Liam", "Dónal"};
static const char *const ie_fam[] = {
	"O'Brien", "Murphy", "Kelly", "O'Sullivan", "Walsh", "McCarthy", "O'Connor", "Byrne", "Ryan",
	"Doyle", "Fitzgerald", "Ó Súilleabháin", "MacNamara", "Gallagher",
};
static const char *const es_f[] = {
	"María", "Ana", "Lucía", "Sofía", "Valentina", "Isabella", "Camila", "Guadalupe", "Carmen",
	"Rosa", "Ximena", "María José", "Paola", "Daniela", "Verónica", "Alejandra", "Inés", "Begoña",
};
static const char *const es_m[] = {
	"José", "Juan", "Luis", "Carlos", "Jorge", "Miguel", "Alejandro", "Diego", "Santiago", "Mateo",
	"Javier", "Andrés", "Raúl", "Héctor", "Jesús", "Ángel", "José Luis", "Francisco", "Íñigo",
};
static const char *const es_fam[] = {
	"García", "Rodríguez", "Martínez", "Hernández", "López", "González", "Pérez", "Sánchez",
	"Ramírez", "Torres", "Flores", "Rivera", "Gómez", "Díaz", "Reyes", "Morales", "Cruz", "Ortiz",
	"Gutiérrez", "Chávez", "Ramos", "Ruiz", "Jiménez", "Vásquez", "Castillo", "Núñez", "Peña",
	"Muñoz", "Ibáñez",
};
static const char *const vi_f[] = {"Thị Mai", "Thị Lan", "Thị Hương", "Ngọc Anh", "Thu Trang", "Thị Hoa", "Linh", "Phương Thảo"};
static const char *const vi_m[] = {"Văn An", "Văn Minh", "Đức Anh", "Quang Huy", "Minh Tuấn", "Văn Hùng", "Thanh Tùng", "Bảo"};
static const char *const vi_fam[] = {"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ"};
static const char *const zh_f[] = {"秀英", "丽", "静", "敏", "婷", "芳", "雪", "玉兰"};
static const char *const zh_m[] = {"伟", "强", "磊", "军", "洋", "杰", "浩", "建国"};
static const char *const zh_fam[] = {"李", "王", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"};
static const char *const py_f[] = {"Xiuying", "Li", "Jing", "Min", "Ting", "Fang", "Xue", "Meiling"};
static const char *const py_m[] = {"Wei", "Qiang", "Lei", "Jun", "Yang", "Jie", "Hao", "Zhiwei"};
static const char *const py_fam[] = {"Li", "Wang", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Lin"};
static const char *const no_f[] = {"Björk", "Ingrid", "Sigríður", "Åsa", "Freja", "Astrid", "Maja", "Birgit", "Jóhanna", "Sólveig"};
static const char *const no_m[] = {"Søren", "Bjørn", "Lars", "Anders", "Magnus", "Jürgen", "Klaus", "Björn", "Jörg", "Þór"};
static const char *const no_fam[] = {
	"Jensen", "Nielsen", "Hansen", "Andersen", "Larsen", "Lindqvist", "Johansson", "Eriksson",
	"Müller", "Schröder", "Weiß", "Guðmundsdóttir", "Þórsdóttir", "Østergaard", "Åberg", "Ólafsson",
};
static const char *const fr_f[] = {"Chloé", "Zoé", "Élodie", "Amélie", "Héloïse", "Margaux", "Léa", "Inès"};
static const char *const fr_m[] = {"François", "Jérôme", "Étienne", "Théo", "Noël", "René", "Benoît", "Loïc"};
static const char *const fr_fam[] = {"Dubois", "Lefèvre", "Bélanger", "Côté", "Gagnon", "Tremblay", "Roy", "Girard", "Lévesque", "Bouchard"};
static const char *const ar_f[] = {"Fatima", "Aisha", "Mariam", "Layla", "Nour", "Zainab", "Amira", "Salma", "Yasmin", "Huda"};
static const char *const ar_m[] = {"Muhammad", "Ahmed", "Omar", "Youssef", "Ali", "Hassan", "Khalid", "Ibrahim", "Mustafa", "Karim"};
static const char *const ar_fam[] = {"Al-Rashid", "Haddad", "Khalil", "Mansour", "Saleh", "Hassan", "Abdullah", "El-Sayed", "Nasser", "Farouk"};
static const char *const wa_f[] = {"Ngozi", "Chiamaka", "Adaeze", "Folasade", "Oluwakemi", "Amara", "Abena", "Yetunde"};
static const char *const wa_m[] = {"Oluwaseun", "Chukwuemeka", "Adebayo", "Babatunde", "Kwame", "Kofi", "Babajide", "Olumide"};
static const char *const wa_fam[] = {"Adeyemi", "Okafor", "Okonkwo", "Adebayo", "Eze", "Nwosu", "Mensah", "Owusu", "Balogun", "Oyelaran"};
static const char *const sa_f[] = {"Priya", "Ananya", "Deepa", "Kavya", "Lakshmi", "Sunita", "Neha", "Pooja", "Aarti", "Meera"};
static const char *const sa_m[] = {"Arjun", "Rahul", "Vikram", "Rohan", "Sanjay", "Amit", "Ravi", "Aditya", "Karthik", "Imran"};
static const char *const sa_fam[] = {"Patel", "Shah", "Sharma", "Singh", "Gupta", "Kumar", "Reddy", "Iyer", "Desai", "Chowdhury", "Rao"};
static const char *const ee_f[] = {"Małgorzata", "Agnieszka", "Zuzana", "Kateřina", "Olga", "Natalia", "Irina", "Jelena"};
static const char *const ee_m[] = {"Łukasz", "Paweł", "Wojciech", "Jiří", "Dmitri", "Ivan", "Tomáš", "Miloš"};
static const char *const ee_fam[] = {"Nowak", "Wójcik", "Kaczmarek", "Petrović", "Jovanović", "Horváth", "Szabó", "Nagy", "Popescu", "Kovač"};
static const char *const ko_f[] = {"Seo-yeon", "Ji-woo", "Ha-eun", "Soo-jin", "Min-seo", "Eun-ji"};
static const char *const ko_m[] = {"Min-jun", "Do-yun", "Ji-hoon", "Seung-woo", "Hyun-woo", "Jae-won"};
static const char *const ko_fam[] = {"Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon"};
static const char *const ja_f[] = {"Yuki", "Sakura", "Aiko", "Yui", "Yūko", "Haruka"};
static const char *const ja_m[] = {"Haruto", "Hiroshi", "Kenji", "Sōta", "Ren", "Takeshi"};
static const char *const ja_fam[] = {"Tanaka", "Sato", "Suzuki", "Takahashi", "Watanabe", "Yamamoto", "Nakamura", "Itō"};
static const char *const it_f[] = {"Giulia", "Francesca", "Eleni", "Conceição", "Beatriz", "Chiara"};
static const char *const it_m[] = {"Alessandro", "Giuseppe", "Nikolaos", "Dimitrios", "João", "Gonçalo"};
static const char *const it_fam[] = {"Rossi", "Russo", "Esposito", "Bianchi", "Papadopoulos", "Georgiou", "Silva", "Santos", "Gonçalves", "Ferreira"};

static const culture cultures[] = {
	{LIST(us_f), LIST(us_m), LIST(us_fam), 38, 0, 0},
	{LIST(ie_f), LIST(ie_m), LIST(ie_fam), 5, 0, 0},
	{LIST(es_f), LIST(es_m), LIST(es_fam), 16, 0.35, 0},
	{LIST(vi_f), LIST(vi_m), LIST(vi_fam), 4, 0, 1},
	{LIST(zh_f), LIST(zh_m), LIST(zh_fam), 2, 0, 2},
	{LIST(py_f), LIST(py_m), LIST(py_fam), 3, 0, 0},
	{LIST(no_f), LIST(no_m), LIST(no_fam), 4, 0, 0},
	{LIST(fr_f), LIST(fr_m), LIST(fr_fam), 4, 0, 0},
	{LIST(ar_f), LIST(ar_m), LIST(ar_fam), 5, 0, 0},
	{LIST(wa_f), LIST(wa_m), LIST(wa_fam), 5, 0, 0},
	{LIST(sa_f), LIST(sa_m), LIST(sa_fam), 6, 0, 0},
	{LIST(ee_f), LIST(ee_m), LIST(ee_fam), 3, 0, 0},
	{LIST(ko_f), LIST(ko_m), LIST(ko_fam), 2, 0, 0},
	{LIST(ja_f), LIST(ja_m), LIST(ja_fam), 2, 0, 0},
	{LIST(it_f), LIST(it_m), LIST(it_fam), 3, 0, 0},
};

/* What people are called instead of their given name. */
static const struct { const char *given, *preferred; } nicknames[] = {
	{"William", "Bill"}, {"Robert", "Bob"}, {"Elizabeth", "Liz"}, {"Margaret", "Peggy"},
	{"James", "Jim"}, {"Michael", "Mike"}, {"Richard", "Rick"}, {"Joseph", "Joe"},
	{"Thomas", "Tom"}, {"Charles", "Charlie"}, {"Christopher", "Chris"}, {"Daniel", "Dan"},
	{"Anthony", "Tony"}, {"Jennifer", "Jen"}, {"Patricia", "Pat"}, {"Susan", "Sue"},
	{"Edward", "Ed"}, {"Abigail", "Abby"}, {"Matthew", "Matt"}, {"Katherine", "Kate"},
	{"José", "Pepe"}, {"Francisco", "Paco"}, {"Guadalupe", "Lupe"}, {"Jesús", "Chuy"},
	{"Alejandro", "Alex"}, {"Oluwaseun", "Seun"}, {"Chukwuemeka", "Emeka"},
	{"Oluwakemi", "Kemi"}, {"Babatunde", "Tunde"}, {"Văn Minh", "Kevin"}, {"Thị Mai", "Mai"},
	{"Xiuying", "Grace"}, {"Zhiwei", "David"}, {"Min-jun", "Daniel"}, {"Seo-yeon", "Sarah"},
	{"Małgorzata", "Gosia"}, {"Wojciech", "Wojtek"}, {"Aleksandr", "Sasha"},
	{"Muhammad", "Mo"}, {"Alessandro", "Alex"}, {"Nikolaos", "Nick"}, {"Dimitrios", "Jimmy"},
};

/* ====================================================== places, payers */

static const struct { const char *city, *state, *zip, *area; } towns[] = {
	{"Boston", "MA", "02118", "617"}, {"Boston", "MA", "02130", "617"},
	{"Boston", "MA", "02124", "617"}, {"Cambridge", "MA", "02139", "617"},
	{"Cambridge", "MA", "02140", "857"}, {"Somerville", "MA", "02143", "617"},
	{"Somerville", "MA", "02144", "857"}, {"Medford", "MA", "02155", "781"},
	{"Malden", "MA", "02148", "781"}, {"Everett", "MA", "02149", "617"},
	{"Chelsea", "MA", "02150", "617"}, {"Revere", "MA", "02151", "781"},
	{"Quincy", "MA", "02169", "617"}, {"Brookline", "MA", "02446", "617"},
	{"Newton", "MA", "02458", "617"}, {"Waltham", "MA", "02453", "781"},
	{"Arlington", "MA", "02474", "781"}, {"Watertown", "MA", "02472", "617"},
	{"Lowell", "MA", "01852", "978"}, {"Nashua", "NH", "03060", "603"},
	{"Pawtucket", "RI", "02860", "401"},
};
static const char *const streets[] = {
	"Maple Street", "Oak Avenue", "Washington Street", "Elm Street", "Highland Avenue", "Broadway",
	"Pleasant Street", "Summer Street", "Beacon Street", "Centre Street", "Chestnut Street",
	"Prospect Street", "Cedar Road", "Park Drive", "School Street", "Spring Street",
	"Lincoln Avenue", "River Road", "Hillside Avenue", "Walnut Street", "Franklin Street",
	"Church Street", "Water Street", "Garden Street", "Cherry Lane", "Forest Avenue",
	"Magnolia Court", "Harvard Street", "Massachusetts Avenue", "Cottage Street",
};
static const char *const commercial_payers[] = {
	"Blue Cross Blue Shield of Massachusetts", "Harvard Pilgrim Health Care", "Tufts Health Plan",
	"Aetna", "UnitedHealthcare", "Cigna", "Fallon Health",
};

/* ============================================================ medications */

typedef struct med_def {
	const char *drug, *strength, *form, *route, *sig;
	double qty;              /* 0 = not given (reported, over the counter) */
	const char *unit;
	int refills;
	bool rx;                 /* prescribed here; else taken over the counter */
	const char *cls;         /* therapeutic class, so a patient never gets two */
	int course_days;         /* 0 = ongoing; else a course that completes */
} med_def;

#define TAB "oral tablet"
#define CAP "oral capsule"
#define DAILY "Take 1 tablet by mouth once daily"

static const med_def m_lisinopril10 = {"lisinopril", "10 mg", TAB, "oral", DAILY, 90, "tablet", 3, true, "raas", 0};
static const med_def m_lisinopril20 = {"lisinopril", "20 mg", TAB, "oral", DAILY, 90, "tablet", 3, true, "raas", 0};
static const med_def m_losartan50 = {"losartan", "50 mg", TAB, "oral", DAILY, 90, "tablet", 3, true, "raas", 0};
static const med_def m_losartan100 = {"losartan", "100 mg", TAB, "oral", DAILY, 90, "tablet", 3, true, "raas", 0};
static const med_def m_amlodipine5 = {"amlodipine", "5 mg", TAB, "oral", DAILY, 90, "tablet", 3, true, "ccb", 0};
static const med_def m_amlodipine10 = {"amlodipine", "10 mg", TAB, "oral", DAILY, 90, "tablet", 3, true, "ccb", 0};
static const med_def m_hctz25 = {"hydrochlorothiazide", "25 mg", TAB, "oral", "Take 1 tablet by mouth once daily in the morning", 90, "tablet", 3, true, "thiazide", 0};
static const med_def m_atorva20 = {"atorvastatin", "20 mg", TAB, "oral", DAILY, 90, "tablet", 3, true, "statin", 0};
static const med_def m_atorva40 = {"atorvastatin", "40 mg", TAB, "oral", DAILY, 90, "tablet", 3, true, "statin", 0};
static const med_def m_atorva80 = {"atorvastatin", "80 mg", TAB, "oral", DAILY, 90, "tablet", 3, true, "statin", 0};
static const med_def m_rosuva10 = {"rosuvastatin", "10 mg", TAB, "oral", DAILY, 90, "tablet", 3, true, "statin", 0};
static const med_def m_simva20 = {"simvastatin", "20 mg", TAB, "oral", "Take 1 tablet by mouth once daily in the evening", 90, "tablet", 3, true, "statin", 0};
static const med_def m_metformin500 = {"metformin", "500 mg", TAB, "oral", "Take 1 tablet by mouth twice daily with meals", 180, "tablet", 3, true, "biguanide", 0};
static const med_def m_metformin1000 = {"metformin", "1000 mg", TAB, "oral", "Take 1 tablet by mouth twice daily with meals", 180, "tablet", 3, true, "biguanide", 0};
static const med_def m_metformin_er = {"metformin", "500 mg", "extended release oral tablet", "oral", "Take 2 tablets by mouth once daily with the evening meal", 180, "tablet", 3, true, "biguanide", 0};
static const med_def m_glipizide5 = {"glipizide", "5 mg", TAB, "oral", "Take 1 tablet by mouth once daily 30 minutes before breakfast", 90, "tablet", 3, true, "sulfonylurea", 0};
static const med_def m_empagliflozin = {"empagliflozin", "10 mg", TAB, "oral", "Take 1 tablet by mouth once daily in the morning", 90, "tablet", 3, true, "sglt2", 0};
static const med_def m_semaglutide = {"semaglutide", "2 mg/3 mL", "pen injector", "subcutaneous", "Inject 0.5 mg under the skin once weekly", 1, "pen", 5, true, "glp1", 0};
static const med_def m_albuterol = {"albuterol", "90 mcg/actuation", "metered dose inhaler", "inhalation", "Inhale 2 puffs by mouth every 4 to 6 hours as needed for wheezing or shortness of breath", 1, "inhaler", 2, true, "saba", 0};
static const med_def m_albuterol_spacer = {"albuterol", "90 mcg/actuation", "metered dose inhaler", "inhalation", "Inhale 2 puffs every 4 to 6 hours as needed for wheezing, using a spacer with mask", 1, "inhaler", 2, true, "saba", 0};
static const med_def m_flovent = {"fluticasone propionate", "44 mcg/actuation", "metered dose inhaler", "inhalation", "Inhale 2 puffs by mouth twice daily; rinse mouth after use", 1, "inhaler", 5, true, "ics", 0};
static const med_def m_symbicort = {"budesonide / formoterol", "160 mcg / 4.5 mcg per actuation", "metered dose inhaler", "inhalation", "Inhale 2 puffs by mouth twice daily; rinse mouth after use", 1, "inhaler", 5, true, "ics", 0};
static const med_def m_sertraline = {"sertraline", "50 mg", TAB, "oral", DAILY, 90, "tablet", 1, true, "ssri", 0};
static const med_def m_escitalopram = {"escitalopram", "10 mg", TAB, "oral", DAILY, 90, "tablet", 1, true, "ssri", 0};
static const med_def m_fluoxetine = {"fluoxetine", "20 mg", CAP, "oral", "Take 1 capsule by mouth once daily in the morning", 90, "capsule", 1, true, "ssri", 0};
static const med_def m_bupropion = {"bupropion", "150 mg", "extended release oral tablet (XL)", "oral", "Take 1 tablet by mouth once daily in the morning", 90, "tablet", 1, true, "ndri", 0};
static const med_def m_buspirone = {"buspirone", "10 mg", TAB, "oral", "Take 1 tablet by mouth twice daily", 180, "tablet", 1, true, "anxiolytic", 0};
static const med_def m_hydroxyzine = {"hydroxyzine hydrochloride", "25 mg", TAB, "oral", "Take 1 tablet by mouth every 8 hours as needed for anxiety", 30, "tablet", 1, true, "antihistamine", 0};
#define LEVO_SIG "Take 1 tablet by mouth once daily on an empty stomach, 30 to 60 minutes before breakfast"
static const med_def m_levo25 = {"levothyroxine", "25 mcg", TAB, "oral", LEVO_SIG, 90, "tablet", 3, true, "thyroid", 0};
static const med_def m_levo50 = {"levothyroxine", "50 mcg", TAB, "oral", LEVO_SIG, 90, "tablet", 3, true, "thyroid", 0};
static const med_def m_levo75 = {"levothyroxine", "75 mcg", TAB, "oral", LEVO_SIG, 90, "tablet", 3, true, "thyroid", 0};
static const med_def m_levo100 = {"levothyroxine", "100 mcg", TAB, "oral", LEVO_SIG, 90, "tablet", 3, true, "thyroid", 0};
static const med_def m_omeprazole = {"omeprazole", "20 mg", "delayed release oral capsule", "oral", "Take 1 capsule by mouth once daily 30 minutes before breakfast", 90, "capsule", 3, true, "ppi", 0};
static const med_def m_pantoprazole = {"pantoprazole", "40 mg", "delayed release oral tablet", "oral", "Take 1 tablet by mouth once daily 30 minutes before breakfast", 90, "tablet", 3, true, "ppi", 0};
static const med_def m_famotidine = {"famotidine", "20 mg", TAB, "oral", "Take 1 tablet by mouth twice daily", 180, "tablet", 3, true, "h2", 0};
static const med_def m_ibuprofen600 = {"ibuprofen", "600 mg", TAB, "oral", "Take 1 tablet by mouth every 8 hours as needed for pain, with food", 30, "tablet", 0, true, "nsaid", 14};
static const med_def m_cyclobenzaprine = {"cyclobenzaprine", "5 mg", TAB, "oral", "Take 1 tablet by mouth at bedtime as needed for muscle spasm", 15, "tablet", 0, true, "relaxant", 15};
static const med_def m_acetaminophen = {"acetaminophen", "500 mg", TAB, "oral", "Take 2 tablets by mouth every 8 hours as needed for pain; no more than 3,000 mg per day", 0, "", 0, false, "analgesic", 0};
static const med_def m_diclofenac_gel = {"diclofenac sodium", "1%", "topical gel", "topical", "Apply 4 g to the affected knee 4 times daily as needed for pain", 100, "g", 2, true, "topical nsaid", 0};
static const med_def m_flonase = {"fluticasone propionate", "50 mcg/actuation", "nasal spray", "nasal", "Use 2 sprays in each nostril once daily", 1, "bottle", 5, true, "nasal steroid", 0};
static const med_def m_flonase_child = {"fluticasone propionate", "50 mcg/actuation", "nasal spray", "nasal", "Use 1 spray in each nostril once daily", 1, "bottle", 5, true, "nasal steroid", 0};
static const med_def m_cetirizine = {"cetirizine", "10 mg", TAB, "oral", DAILY, 0, "", 0, false, "antihistamine", 0};
static const med_def m_cetirizine_syrup = {"cetirizine", "1 mg/mL", "oral solution", "oral", "Give 2.5 mL by mouth once daily", 0, "", 0, false, "antihistamine", 0};
static const med_def m_loratadine = {"loratadine", "10 mg", TAB, "oral", DAILY, 0, "", 0, false, "antihistamine", 0};
static const med_def m_hydrocortisone = {"hydrocortisone", "2.5%", "topical cream", "topical", "Apply a thin layer to affected areas twice daily during flares, for up to 2 weeks at a time", 30, "g", 1, true, "topical steroid", 0};
static const med_def m_triamcinolone = {"triamcinolone acetonide", "0.1%", "topical cream", "topical", "Apply a thin layer to affected areas of the body (not the face) twice daily for up to 2 weeks", 80, "g", 1, true, "topical steroid", 0};
static const med_def m_petrolatum = {"white petrolatum", "100%", "topical ointment", "topical", "Apply to the skin twice daily and after bathing", 0, "", 0, false, "emollient", 0};
static const med_def m_methylphenidate18 = {"methylphenidate", "18 mg", "extended release oral tablet", "oral", "Take 1 tablet by mouth once every morning", 30, "tablet", 0, true, "stimulant", 0};
static const med_def m_methylphenidate36 = {"methylphenidate", "36 mg", "extended release oral tablet", "oral", "Take 1 tablet by mouth once every morning", 30, "tablet", 0, true, "stimulant", 0};
static const med_def m_sumatriptan = {"sumatriptan", "50 mg", TAB, "oral", "Take 1 tablet by mouth at migraine onset; may repeat once after 2 hours; no more than 200 mg in 24 hours", 9, "tablet", 2, true, "triptan", 0};
static const med_def m_tamsulosin = {"tamsulosin", "0.4 mg", CAP, "oral", "Take 1 capsule by mouth once daily, 30 minutes after the same meal each day", 90, "capsule", 3, true, "alpha blocker", 0};
static const med_def m_vitd3 = {"cholecalciferol (vitamin D3)", "50 mcg (2,000 units)", TAB, "oral", DAILY, 0, "", 0, false, "vitamin d", 0};
static const med_def m_ergocalciferol = {"ergocalciferol (vitamin D2)", "1.25 mg (50,000 units)", CAP, "oral", "Take 1 capsule by mouth once weekly for 8 weeks", 8, "capsule", 0, true, "vitamin d", 56};
static const med_def m_apixaban25 = {"apixaban", "2.5 mg", TAB, "oral", "Take 1 tablet by mouth twice daily", 180, "tablet", 3, true, "anticoagulant", 0};
static const med_def m_apixaban5 = {"apixaban", "5 mg", TAB, "oral", "Take 1 tablet by mouth twice daily", 180, "tablet", 3, true, "anticoagulant", 0};
static const med_def m_metoprolol25 = {"metoprolol succinate", "25 mg", "extended release oral tablet", "oral", DAILY, 90, "tablet", 3, true, "beta blocker", 0};
static const med_def m_tiotropium = {"tiotropium", "18 mcg", "inhalation powder capsule", "inhalation", "Inhale the contents of 1 capsule once daily using the HandiHaler device", 90, "capsule", 3, true, "lama", 0};
static const med_def m_nicotine_patch = {"nicotine", "21 mg/24 hr", "transdermal patch", "transdermal", "Apply 1 patch to clean, dry skin once daily; remove the old patch and rotate sites", 28, "patch", 2, true, "nicotine", 0};
static const med_def m_alendronate = {"alendronate", "70 mg", TAB, "oral", "Take 1 tablet by mouth once weekly with a full glass of plain water, 30 minutes before the first food of the day; stay upright for 30 minutes", 12, "tablet", 3, true, "bisphosphonate", 0};
static const med_def m_calcium_d = {"calcium carbonate / cholecalciferol", "600 mg / 10 mcg (400 units)", TAB, "oral", "Take 1 tablet by mouth twice daily with meals", 0, "", 0, false, "calcium", 0};
static const med_def m_melatonin = {"melatonin", "3 mg", TAB, "oral", "Take 1 tablet by mouth 1 hour before bedtime as needed for sleep", 0, "", 0, false, "sleep", 0};
static const med_def m_trazodone = {"trazodone", "50 mg", TAB, "oral", "Take 1 tablet by mouth at bedtime as needed for sleep", 30, "tablet", 2, true, "sleep", 0};
static const med_def m_adapalene = {"adapalene", "0.1%", "topical gel", "topical", "Apply a pea-sized amount to the whole face once daily at bedtime", 45, "g", 2, true, "retinoid", 0};
static const med_def m_benzoyl = {"benzoyl peroxide", "5%", "topical wash", "topical", "Wash the face once daily", 0, "", 0, false, "benzoyl peroxide", 0};
static const med_def m_aspirin81 = {"aspirin", "81 mg", "delayed release oral tablet", "oral", DAILY, 0, "", 0, false, "antiplatelet", 0};
static const med_def m_clopidogrel = {"clopidogrel", "75 mg", TAB, "oral", DAILY, 90, "tablet", 3, true, "antiplatelet", 0};

/* =========================================================== conditions */

typedef struct regimen {
	const char *icd;        /* NULL: the condition's own code */
	int min_age, max_age;   /* years, when it is started */
	int weight;
	const med_def *m[3];
} regimen;

typedef struct cond_def {
	const char *icd;        /* ICD-10-CM without the dot */
	const char *name;       /* how a note says it */
	int min_age, max_age;   /* years, at diagnosis */
	char sex;               /* 'f', 'm', or 0 for either */
	float prev[4];          /* prevalence by age band: <18, 18-39, 40-64, 65+ */
	float female_x;         /* prevalence factor for women (men get 2 - x) */
	int followup_days;      /* how often it brings the patient back; 0 = yearly care */
	float resolve;          /* chance it has resolved */
	const regimen *reg;
	size_t nreg;
} cond_def;

enum cond {
	C_T2DM, C_PREDM, C_HTN, C_HLD, C_CAD, C_CKD, C_AFIB, C_TOBACCO, C_COPD, C_ASTHMA,
	C_DEPR, C_ANX, C_HYPOTHY, C_GERD, C_LBP, C_OA, C_AR, C_ATOPIC, C_ADHD, C_MIGRAINE,
	C_BPH, C_VITD, C_OSTEO, C_INSOMNIA, C_OSA, C_ACNE, C_OBESITY, C_COUNT
};

static const regimen r_t2dm[] = {
	{NULL, 18, 120, 5, {&m_metformin500}}, {NULL, 18, 120, 3, {&m_metformin1000}},
	{NULL, 18, 120, 2, {&m_metformin_er}}, {NULL, 18, 120, 2, {&m_metformin1000, &m_glipizide5}},
	{NULL, 18, 120, 2, {&m_metformin1000, &m_empagliflozin}}, {NULL, 18, 120, 1, {&m_metformin1000, &m_semaglutide}},
	{NULL, 18, 120, 1, {NULL}},
};
static const regimen r_none[] = {{NULL, 0, 120, 1, {NULL}}};
static const regimen r_htn[] = {
	{NULL, 18, 120, 5, {&m_lisinopril10}}, {NULL, 18, 120, 4, {&m_amlodipine5}},
	{NULL, 18, 120, 3, {&m_losartan50}}, {NULL, 18, 120, 2, {&m_lisinopril20, &m_hctz25}},
	{NULL, 18, 120, 1, {&m_amlodipine10, &m_losartan100}},
};
static const regimen r_hld[] = {
	{NULL, 18, 120, 5, {&m_atorva20}}, {NULL, 18, 120, 2, {&m_atorva40}},
	{NULL, 18, 120, 2, {&m_rosuva10}}, {NULL, 18, 120, 1, {&m_simva20}}, {NULL, 18, 120, 1, {NULL}},
};
static const regimen r_cad[] = {{NULL, 18, 120, 1, {&m_aspirin81, &m_metoprolol25}}};
/* Coronary disease calls for a high-intensity statin. */
static const regimen r_hld_high = {NULL, 18, 120, 1, {&m_atorva80}};
static const regimen r_afib[] = {{NULL, 18, 120, 1, {&m_apixaban5, &m_metoprolol25}}};
static const regimen r_tobacco[] = {{NULL, 16, 120, 2, {&m_nicotine_patch}}, {NULL, 12, 120, 3, {NULL}}};
static const regimen r_copd[] = {{NULL, 40, 120, 1, {&m_tiotropium, &m_albuterol}}};
static const regimen r_asthma[] = {
	{"J4520", 2, 5, 3, {&m_albuterol_spacer}}, {"J4530", 2, 5, 1, {&m_albuterol_spacer, &m_flovent}},
	{"J4520", 6, 120, 5, {&m_albuterol}}, {"J4530", 6, 17, 2, {&m_albuterol, &m_flovent}},
	{"J4530", 18, 120, 2, {&m_symbicort, &m_albuterol}},
};
static const regimen r_depr[] = {
	{NULL, 12, 120, 4, {&m_sertraline}}, {NULL, 12, 120, 3, {&m_escitalopram}},
	{NULL, 12, 120, 2, {&m_fluoxetine}}, {NULL, 18, 120, 2, {&m_bupropion}}, {NULL, 12, 120, 1, {NULL}},
};
static const regimen r_anx[] = {
	{NULL, 12, 120, 3, {&m_escitalopram}}, {NULL, 18, 120, 2, {&m_buspirone}},
	{NULL, 18, 120, 1, {&m_hydroxyzine}}, {NULL, 10, 120, 2, {NULL}},
};
static const regimen r_hypothy[] = {
	{NULL, 18, 120, 2, {&m_levo25}}, {NULL, 18, 120, 4, {&m_levo50}},
	{NULL, 18, 120, 3, {&m_levo75}}, {NULL, 18, 120, 2, {&m_levo100}},
};
static const regimen r_gerd[] = {
	{NULL, 12, 120, 4, {&m_omeprazole}}, {NULL, 12, 120, 2, {&m_pantoprazole}}, {NULL, 12, 120, 2, {&m_famotidine}},
};
static const regimen r_lbp[] = {
	{NULL, 18, 120, 3, {&m_ibuprofen600}}, {NULL, 18, 120, 2, {&m_ibuprofen600, &m_cyclobenzaprine}},
	{NULL, 18, 120, 2, {&m_acetaminophen}},
};
static const regimen r_oa[] = {{NULL, 40, 120, 3, {&m_acetaminophen}}, {NULL, 40, 120, 2, {&m_diclofenac_gel, &m_acetaminophen}}};
static const regimen r_ar[] = {
	{NULL, 2, 5, 2, {&m_cetirizine_syrup}}, {NULL, 4, 11, 2, {&m_flonase_child}},
	{NULL, 6, 120, 3, {&m_cetirizine}}, {NULL, 12, 120, 3, {&m_flonase}}, {NULL, 12, 120, 1, {&m_loratadine}},
};
static const regimen r_atopic[] = {
	{NULL, 0, 120, 3, {&m_petrolatum, &m_hydrocortisone}}, {NULL, 2, 120, 2, {&m_petrolatum, &m_triamcinolone}},
};
static const regimen r_adhd[] = {{NULL, 6, 17, 1, {&m_methylphenidate18}}, {NULL, 18, 120, 1, {&m_methylphenidate36}}};
static const regimen r_migraine[] = {{NULL, 18, 120, 1, {&m_sumatriptan}}};
static const regimen r_bph[] = {{NULL, 45, 120, 1, {&m_tamsulosin}}};
static const regimen r_vitd[] = {{NULL, 18, 120, 2, {&m_vitd3}}, {NULL, 18, 120, 1, {&m_ergocalciferol}}};
static const regimen r_osteo[] = {{NULL, 50, 120, 1, {&m_alendronate, &m_calcium_d}}};
static const regimen r_insomnia[] = {{NULL, 18, 120, 2, {&m_melatonin}}, {NULL, 18, 120, 1, {&m_trazodone}}};
static const regimen r_acne[] = {{NULL, 12, 40, 2, {&m_adapalene, &m_benzoyl}}, {NULL, 12, 40, 1, {&m_benzoyl}}};

#define REG(a) a, EMR_ARRAY_LEN(a)

static const cond_def conds[C_COUNT] = {
	[C_T2DM] = {"E119", "type 2 diabetes", 25, 120, 0, {0.0f, 0.03f, 0.12f, 0.22f}, 1, 180, 0, REG(r_t2dm)},
	[C_PREDM] = {"R7303", "prediabetes", 25, 120, 0, {0.0f, 0.06f, 0.15f, 0.15f}, 1, 0, 0.1f, REG(r_none)},
	[C_HTN] = {"I10", "hypertension", 20, 120, 0, {0.0f, 0.08f, 0.30f, 0.58f}, 1, 180, 0, REG(r_htn)},
	[C_HLD] = {"E785", "hyperlipidemia", 20, 120, 0, {0.0f, 0.05f, 0.26f, 0.42f}, 1, 365, 0, REG(r_hld)},
	[C_CAD] = {"I2510", "coronary artery disease", 45, 120, 0, {0.0f, 0.0f, 0.03f, 0.12f}, 0.6f, 180, 0, REG(r_cad)},
	[C_CKD] = {"N1830", "chronic kidney disease stage 3", 45, 120, 0, {0.0f, 0.0f, 0.02f, 0.09f}, 1, 180, 0, REG(r_none)},
	[C_AFIB] = {"I4891", "atrial fibrillation", 55, 120, 0, {0.0f, 0.0f, 0.01f, 0.08f}, 0.8f, 180, 0, REG(r_afib)},
	[C_TOBACCO] = {"F17210", "tobacco use", 16, 120, 0, {0.01f, 0.11f, 0.13f, 0.07f}, 1, 0, 0.15f, REG(r_tobacco)},
	[C_COPD] = {"J449", "COPD", 45, 120, 0, {0.0f, 0.0f, 0.03f, 0.09f}, 1, 180, 0, REG(r_copd)},
	[C_ASTHMA] = {"J45909", "asthma", 2, 120, 0, {0.08f, 0.08f, 0.08f, 0.07f}, 1, 365, 0, REG(r_asthma)},
	[C_DEPR] = {"F329", "depression", 12, 120, 0, {0.02f, 0.09f, 0.08f, 0.06f}, 1.3f, 180, 0.25f, REG(r_depr)},
	[C_ANX] = {"F419", "anxiety", 10, 120, 0, {0.04f, 0.10f, 0.08f, 0.05f}, 1.3f, 180, 0.1f, REG(r_anx)},
	[C_HYPOTHY] = {"E039", "hypothyroidism", 18, 120, 0, {0.0f, 0.03f, 0.06f, 0.10f}, 1.6f, 0, 0, REG(r_hypothy)},
	[C_GERD] = {"K219", "GERD", 12, 120, 0, {0.01f, 0.08f, 0.14f, 0.18f}, 1, 0, 0.1f, REG(r_gerd)},
	[C_LBP] = {"M5450", "low back pain", 18, 120, 0, {0.0f, 0.06f, 0.09f, 0.08f}, 1, 0, 0.6f, REG(r_lbp)},
	[C_OA] = {"M179", "knee osteoarthritis", 45, 120, 0, {0.0f, 0.0f, 0.07f, 0.22f}, 1.2f, 0, 0, REG(r_oa)},
	[C_AR] = {"J309", "allergic rhinitis", 2, 120, 0, {0.10f, 0.12f, 0.10f, 0.06f}, 1, 0, 0, REG(r_ar)},
	[C_ATOPIC] = {"L209", "eczema", 0, 120, 0, {0.10f, 0.02f, 0.01f, 0.0f}, 1, 0, 0.3f, REG(r_atopic)},
	[C_ADHD] = {"F909", "ADHD", 6, 120, 0, {0.09f, 0.04f, 0.01f, 0.0f}, 0.6f, 180, 0, REG(r_adhd)},
	[C_MIGRAINE] = {"G43909", "migraine", 18, 120, 0, {0.0f, 0.10f, 0.08f, 0.02f}, 1.5f, 0, 0, REG(r_migraine)},
	[C_BPH] = {"N401", "BPH", 45, 120, 'm', {0.0f, 0.0f, 0.12f, 0.35f}, 1, 0, 0, REG(r_bph)},
	[C_VITD] = {"E559", "vitamin D deficiency", 18, 120, 0, {0.0f, 0.04f, 0.06f, 0.07f}, 1, 0, 0.3f, REG(r_vitd)},
	[C_OSTEO] = {"M810", "osteoporosis", 55, 120, 'f', {0.0f, 0.0f, 0.03f, 0.20f}, 1, 0, 0, REG(r_osteo)},
	[C_INSOMNIA] = {"G4700", "insomnia", 18, 120, 0, {0.0f, 0.04f, 0.06f, 0.07f}, 1, 0, 0.2f, REG(r_insomnia)},
	[C_OSA] = {"G4733", "obstructive sleep apnea", 25, 120, 0, {0.0f, 0.02f, 0.06f, 0.08f}, 0.5f, 0, 0, REG(r_none)},
	[C_ACNE] = {"L700", "acne", 12, 30, 0, {0.12f, 0.04f, 0.0f, 0.0f}, 1, 0, 0.3f, REG(r_acne)},
	[C_OBESITY] = {"E669", "obesity", 18, 120, 0, {0.0f, 0.0f, 0.0f, 0.0f}, 1, 0, 0, REG(r_none)},
};

/* What a follow-up note says about each condition, and its status. */
static const struct { const char *subj[3]; const char *well; } cond_text[C_COUNT] = {
	[C_T2DM] = {{"Checks sugars a few times a week; fasting readings 110s to 140s.", "No hypoglycemia, polyuria or vision changes.", "Walking most days; trying to cut back on sweets."}, "at goal"},
	[C_PREDM] = {{"Working on diet and exercise.", "Has cut out sugary drinks.", "Walking 30 minutes most days."}, "stable"},
	[C_HTN] = {{"Home blood pressures mostly in the 120s to 130s.", "No headaches, chest pain or shortness of breath.", "Taking blood pressure medicine every morning."}, "at goal"},
	[C_HLD] = {{"Tolerating the statin without muscle aches.", "Following a lower-fat diet.", "Takes the statin every evening."}, "stable"},
	[C_CAD] = {{"No angina; walks a mile without chest pain.", "No exertional symptoms.", "Sees cardiology yearly."}, "stable"},
	[C_CKD] = {{"Avoiding NSAIDs.", "No swelling.", "Drinking plenty of water."}, "stable"},
	[C_AFIB] = {{"No palpitations; no bleeding on the anticoagulant.", "No dizziness or syncope.", "Rate controlled by home monitor."}, "rate controlled"},
	[C_TOBACCO] = {{"Still smoking about half a pack a day.", "Has cut down; ready to set a quit date.", "Smoking fewer cigarettes."}, "counseled"},
	[C_COPD] = {{"Stable dyspnea on exertion; no exacerbations.", "Uses rescue inhaler about twice a week.", "No recent steroid bursts."}, "stable"},
	[C_ASTHMA] = {{"Rescue inhaler needed about twice a month.", "No night-time symptoms.", "No ED visits since last seen."}, "well controlled"},
	[C_DEPR] = {{"Mood better; sleeping and eating well.", "Enjoying things again; no thoughts of self-harm.", "Some low days but coping."}, "improving"},
	[C_ANX] = {{"Worry more manageable.", "Fewer panic symptoms.", "Using breathing exercises."}, "improving"},
	[C_HYPOTHY] = {{"Energy good; taking levothyroxine on an empty stomach.", "No palpitations.", "No cold intolerance."}, "stable"},
	[C_GERD] = {{"Heartburn controlled.", "No dysphagia.", "Avoiding late meals."}, "controlled"},
	[C_LBP] = {{"Back pain better with stretching.", "No leg weakness or numbness.", "Back to work."}, "improving"},
	[C_OA] = {{"Knee pain worse with stairs.", "Acetaminophen helps.", "Walking with a cane on bad days."}, "stable"},
	[C_AR] = {{"Seasonal sneezing controlled.", "Nasal congestion in spring.", "Itchy eyes improved."}, "controlled"},
	[C_ATOPIC] = {{"Eczema flares in winter.", "Moisturizing twice daily.", "Itching improved."}, "improving"},
	[C_ADHD] = {{"Focus at school improved.", "Appetite a little lower at lunch.", "Sleeping well."}, "improving"},
	[C_MIGRAINE] = {{"About two migraines a month.", "Sumatriptan works within an hour.", "Keeps a headache diary."}, "stable"},
	[C_BPH] = {{"Nocturia once nightly.", "Stream improved.", "No urinary retention."}, "improved"},
	[C_VITD] = {{"Taking vitamin D.", "No bone pain.", "Outdoors more."}, "treated"},
	[C_OSTEO] = {{"No falls or fractures.", "Taking alendronate correctly.", "Doing weight-bearing exercise."}, "stable"},
	[C_INSOMNIA] = {{"Sleeping about 6 hours.", "Sleep hygiene helping.", "Less trouble falling asleep."}, "improving"},
	[C_OSA] = {{"Using CPAP most nights.", "Less daytime sleepiness.", "Partner reports less snoring."}, "stable"},
	[C_ACNE] = {{"Skin clearer.", "Mild dryness from treatment.", "Fewer new lesions."}, "improving"},
	[C_OBESITY] = {{"Working on portion sizes.", "Exercising 2 to 3 times a week.", "Weight has plateaued."}, "counseled"},
};

/* ==================================================== acute illnesses */

typedef struct acute_def {
	const char *icd, *reason, *subj, *exam, *plan;
	double min_age, max_age;    /* years */
	char sex;
	int weight;
	double fever_p, fever_lo;   /* chance of fever and its floor (Cel) */
	int antibiotic;             /* ABX_*: see write_acute_rx() */
} acute_def;

enum { ABX_NONE, ABX_AOM, ABX_SINUS, ABX_UTI };

static const acute_def acutes[] = {
	{"J069", "Cough and congestion", "Nasal congestion, rhinorrhea and sore throat for %d days. Eating and drinking well. No shortness of breath.",
	 "Nasal mucosa swollen, clear discharge. Pharynx mildly red. Lungs clear.", "Supportive care: fluids, rest, saline; honey for cough if over 1 year. Return if fever over 3 days or breathing trouble.", 0.25, 120, 0, 10, 0.3, 37.8, ABX_NONE},
	{"H6691", "Ear pain and fever", "Right ear pain for %d days with fever at home; fussy at night. Preceded by a cold.",
	 "Right tympanic membrane red and bulging; left normal. Lungs clear.", "Antibiotic as prescribed; ibuprofen or acetaminophen for pain. Recheck ears if not better in 48 to 72 hours.", 0.5, 6, 0, 4, 0.7, 38.1, ABX_AOM},
	{"H6692", "Ear pain and fever", "Left ear pain for %d days with fever at home; tugging at the ear.",
	 "Left tympanic membrane erythematous and bulging with loss of landmarks. Right normal.", "Antibiotic as prescribed; analgesia. Return if not improving in 48 to 72 hours.", 0.5, 6, 0, 3, 0.7, 38.1, ABX_AOM},
	{"J029", "Sore throat", "Sore throat for %d days, painful swallowing, mild cough.",
	 "Tonsils mildly enlarged without exudate. No tender anterior nodes. Rapid strep test negative.", "Likely viral. Salt-water gargles, analgesics. Return if unable to swallow or symptoms beyond a week.", 3, 120, 0, 5, 0.4, 37.9, ABX_NONE},
	{"J0190", "Sinus congestion", "Facial pressure and purulent nasal discharge for %d days, worse after initial improvement.",
	 "Maxillary sinus tenderness. Purulent drainage in the nares. Lungs clear.", "Antibiotic for 7 days; saline irrigation. Return if fever or vision changes.", 18, 120, 0, 3, 0.2, 37.8, ABX_SINUS},
	{"N390", "Painful urination", "Dysuria and frequency for %d days. No fever, flank pain or vaginal discharge.",
	 "No costovertebral angle tenderness. Urine dipstick positive for leukocyte esterase and nitrite.", "Nitrofurantoin for 5 days; fluids. Return if fever or flank pain.", 18, 120, 'f', 3, 0.0, 37.5, ABX_UTI},
	{"J209", "Cough", "Cough for %d days with some sputum. No fever now, no shortness of breath.",
	 "Scattered rhonchi clearing with cough. No crackles. SpO2 normal.", "Likely viral bronchitis; antibiotics not indicated. Honey, fluids. Cough may last 3 weeks.", 12, 120, 0, 3, 0.1, 37.8, ABX_NONE},
	{"A084", "Vomiting and diarrhea", "Vomiting and loose stools for %d days; tolerating small sips. Sick contacts at home.",
	 "Mucous membranes moist. Abdomen soft, non-tender, active bowel sounds.", "Oral rehydration in small frequent amounts; advance diet as tolerated. Return for signs of dehydration.", 0.5, 120, 0, 3, 0.4, 37.9, ABX_NONE},
	{"H1033", "Red eyes", "Both eyes red with watery discharge for %d days. No pain or vision change.",
	 "Bilateral conjunctival injection, watery discharge. Visual acuity normal. Cornea clear.", "Likely viral conjunctivitis: cool compresses, hand hygiene. Return for pain or vision change.", 1, 120, 0, 2, 0.0, 37.5, ABX_NONE},
	{"S93401A", "Ankle injury", "Rolled the right ankle %d days ago; able to bear weight with pain.",
	 "Swelling and tenderness over the anterior talofibular ligament. No bony tenderness (Ottawa rules negative).", "Rest, ice, compression, elevation; ankle brace; acetaminophen as needed. Home exercises.", 8, 70, 0, 2, 0.0, 37.5, ABX_NONE},
};

/* ====================================================== allergies */

typedef struct allergy_def {
	const char *substance, *category, *reaction, *severity;
	int min_age;
	int weight;
	int flag;                  /* which drug class it rules out */
} allergy_def;

/* What an allergy rules out: beta-lactams, NSAIDs (aspirin
 * hypersensitivity crosses to every COX-1 inhibitor), or another
 * antibiotic.  A chart gets at most one antibiotic allergy, so a sick
 * child always has a first- or second-line choice left. */
enum { AL_NONE, AL_BETALACTAM, AL_ASPIRIN, AL_ANTIBIOTIC };

static const allergy_def allergy_defs[] = {
	{"Penicillin", "drug", "Hives", "moderate", 0, 10, AL_BETALACTAM},
	{"Amoxicillin", "drug", "Rash", "mild", 0, 4, AL_BETALACTAM},
	{"Sulfamethoxazole / trimethoprim", "drug", "Rash", "mild", 0, 5, AL_ANTIBIOTIC},
	{"Codeine", "drug", "Nausea and vomiting", "mild", 5, 4, AL_NONE},
	{"Cephalexin", "drug", "Hives", "mild", 0, 2, AL_BETALACTAM},
	{"Aspirin", "drug", "Wheezing", "moderate", 12, 2, AL_ASPIRIN},
	{"Iodinated contrast media", "drug", "Hives", "moderate", 18, 2, AL_NONE},
	{"Morphine", "drug", "Itching", "mild", 18, 2, AL_NONE},
	{"Erythromycin", "drug", "Stomach cramps", "mild", 0, 2, AL_ANTIBIOTIC},
	{"Peanut", "food", "Anaphylaxis", "severe", 1, 4, AL_NONE},
	{"Tree nuts", "food", "Hives and lip swelling", "severe", 1, 2, AL_NONE},
	{"Shellfish", "food", "Hives", "moderate", 3, 3, AL_NONE},
	{"Egg", "food", "Hives", "mild", 1, 1, AL_NONE},
	{"Cow's milk protein", "food", "Vomiting and rash", "mild", 0, 1, AL_NONE},
	{"Latex", "environment", "Contact dermatitis", "mild", 5, 3, AL_NONE},
	{"Bee venom", "environment", "Anaphylaxis", "severe", 3, 2, AL_NONE},
	{"Cat dander", "environment", "Sneezing and itchy eyes", "mild", 2, 2, AL_NONE},
	{"Adhesive tape", "other", "Skin irritation", "mild", 5, 1, AL_NONE},
};

/* ========================================================= vaccines */

enum vax {
	VX_HEPB, VX_DTAP, VX_IPV, VX_HIB, VX_PCV, VX_RV, VX_MMR, VX_VAR, VX_HEPA, VX_TDAP, VX_HPV,
	VX_MENACWY, VX_FLU, VX_FLU_HD, VX_ZOSTER, VX_PNEUMO, VX_COUNT
};

/* CVX codes in order of preference: "new" from switch_date on, "old" before. */
typedef struct vax_def {
	const char *name;          /* for notes */
	const char *route;         /* IM, SC, PO */
	const char *old[4], *new_[4];
	const char *switch_date;   /* NULL: one list */
} vax_def;

static const vax_def vax_defs[VX_COUNT] = {
	[VX_HEPB] = {"hepatitis B", "IM", {"08", "45"}, {NULL}, NULL},
	[VX_DTAP] = {"DTaP", "IM", {"20", "106", "107"}, {NULL}, NULL},
	[VX_IPV] = {"IPV", "IM", {"10", "89"}, {NULL}, NULL},
	[VX_HIB] = {"Hib", "IM", {"49", "48", "17"}, {NULL}, NULL},
	[VX_PCV] = {"pneumococcal conjugate", "IM", {"133", "216", "215", "152"}, {"216", "215", "133", "152"}, "2023-07-01"},
	[VX_RV] = {"rotavirus", "PO", {"116", "119", "122"}, {NULL}, NULL},
	[VX_MMR] = {"MMR", "SC", {"03"}, {NULL}, NULL},
	[VX_VAR] = {"varicella", "SC", {"21"}, {NULL}, NULL},
	[VX_HEPA] = {"hepatitis A", "IM", {"83", "85"}, {NULL}, NULL},
	[VX_TDAP] = {"Tdap", "IM", {"115"}, {NULL}, NULL},
	[VX_HPV] = {"HPV", "IM", {"165", "62", "137"}, {NULL}, NULL},
	[VX_MENACWY] = {"meningococcal ACWY", "IM", {"136", "203", "114", "147"}, {NULL}, NULL},
	[VX_FLU] = {"influenza", "IM", {"150", "158", "141", "88"}, {"140", "150", "141", "88"}, "2024-07-01"},
	[VX_FLU_HD] = {"high-dose influenza", "IM", {"197", "135", "150", "88"}, {"135", "197", "140", "88"}, "2024-07-01"},
	[VX_ZOSTER] = {"recombinant zoster", "IM", {"187"}, {NULL}, NULL},
	[VX_PNEUMO] = {"pneumococcal conjugate", "IM", {"216", "215", "133", "33"}, {NULL}, NULL},
};

static const struct { const char *cvx, *maker; } vax_makers[] = {
	{"08", "GlaxoSmithKline"}, {"20", "Sanofi Pasteur"}, {"106", "Sanofi Pasteur"}, {"10", "Sanofi Pasteur"},
	{"49", "Merck Sharp & Dohme"}, {"48", "Sanofi Pasteur"}, {"133", "Pfizer"}, {"215", "Merck Sharp & Dohme"},
	{"216", "Pfizer"}, {"116", "Merck Sharp & Dohme"}, {"119", "GlaxoSmithKline"}, {"03", "Merck Sharp & Dohme"},
	{"21", "Merck Sharp & Dohme"}, {"83", "GlaxoSmithKline"}, {"115", "GlaxoSmithKline"},
	{"165", "Merck Sharp & Dohme"}, {"136", "GlaxoSmithKline"}, {"203", "Sanofi Pasteur"},
	{"114", "Sanofi Pasteur"}, {"150", "Sanofi Pasteur"}, {"158", "Seqirus"}, {"140", "Sanofi Pasteur"},
	{"141", "Seqirus"}, {"197", "Sanofi Pasteur"}, {"135", "Sanofi Pasteur"}, {"187", "GlaxoSmithKline"},
	{"33", "Merck Sharp & Dohme"},
};

/* The CDC childhood schedule: age in days when each dose is due. */
static const struct { int age; enum vax v; int dose; } child_schedule[] = {
	{0, VX_HEPB, 1}, {30, VX_HEPB, 2},
	{61, VX_DTAP, 1}, {61, VX_IPV, 1}, {61, VX_HIB, 1}, {61, VX_PCV, 1}, {61, VX_RV, 1},
	{122, VX_DTAP, 2}, {122, VX_IPV, 2}, {122, VX_HIB, 2}, {122, VX_PCV, 2}, {122, VX_RV, 2},
	{183, VX_DTAP, 3}, {183, VX_IPV, 3}, {183, VX_PCV, 3}, {183, VX_RV, 3}, {183, VX_HEPB, 3},
	{365, VX_MMR, 1}, {365, VX_VAR, 1}, {365, VX_HEPA, 1}, {365, VX_PCV, 4}, {365, VX_HIB, 3},
	{456, VX_DTAP, 4}, {548, VX_HEPA, 2},
	{1461, VX_DTAP, 5}, {1461, VX_IPV, 4}, {1461, VX_MMR, 2}, {1461, VX_VAR, 2},
	{4018, VX_TDAP, 1}, {4018, VX_HPV, 1}, {4018, VX_MENACWY, 1}, {4383, VX_HPV, 2},
	{5844, VX_MENACWY, 2},
};

/* Well-child visit ages in days, then yearly from 3 years. */
static const int well_ages[] = {4, 30, 61, 122, 183, 274, 365, 456, 548, 730, 913, 1096};

/* ========================================================= growth */

/* WHO (0-2 y) and CDC (2-18 y) medians, by age in months. */
static const double growth_months[] = {0, 1, 2, 4, 6, 9, 12, 18, 24, 36, 48, 60, 72, 96, 120, 144, 168, 192, 216};
static const double wt_boys[] = {3.3, 4.5, 5.6, 7.0, 7.9, 8.9, 9.6, 10.9, 12.2, 14.3, 16.3, 18.3, 20.6, 25.8, 31.9, 40.5, 51.0, 60.8, 67.5};
static const double wt_girls[] = {3.2, 4.2, 5.1, 6.4, 7.3, 8.2, 8.9, 10.2, 11.5, 13.9, 16.1, 18.2, 20.2, 25.8, 32.5, 41.5, 49.5, 53.5, 56.5};
static const double ht_boys[] = {49.9, 54.7, 58.4, 63.9, 67.6, 72.0, 75.7, 82.3, 87.1, 96.1, 103.3, 110.0, 116.0, 127.5, 138.5, 149.5, 163.5, 173.5, 176.5};
static const double ht_girls[] = {49.1, 53.7, 57.1, 62.1, 65.7, 70.1, 74.0, 80.7, 85.7, 95.1, 102.7, 109.4, 115.5, 127.5, 138.5, 151.5, 160.0, 162.5, 163.0};

/* ========================================================= LOINC */

enum lo {
	LO_SYS, LO_DIA, LO_HR, LO_TEMP, LO_RR, LO_SPO2, LO_WT, LO_HT, LO_BMI,
	LO_CHOL, LO_HDL, LO_LDL, LO_TG, LO_A1C,
	LO_GLU, LO_BUN, LO_CREAT, LO_NA, LO_K, LO_CL, LO_CO2, LO_CA, LO_EGFR, LO_TSH, LO_COUNT
};

static const char *const lo_codes[LO_COUNT] = {
	EMR_LOINC_SYSTOLIC, EMR_LOINC_DIASTOLIC, EMR_LOINC_PULSE, EMR_LOINC_TEMP, EMR_LOINC_RESP,
	EMR_LOINC_SPO2, EMR_LOINC_WEIGHT, EMR_LOINC_HEIGHT, EMR_LOINC_BMI,
	"2093-3", "2085-9", "13457-7", "2571-8", "4548-4",
	"2345-7", "3094-0", "2160-0", "2951-2", "2823-3", "2075-0", "2028-9", "17861-6", "98979-8", "3016-3",
};

/* The ICD-10-CM codes used beyond the conditions' own. */
static const char *const extra_icd[] = {
	"J4520", "J4530", "E66811", "E66812", "E66813", "Z0000", "Z0001", "Z00129", "Z00110", "Z00111", "Z23",
};

/* ============================================================ context */

typedef struct lo_info {
	bool present;
	char unit[21];
	bool has_pl;
	double pl_lo, pl_hi;
	bool has_lo, has_hi;
	double ref_lo, ref_hi;
} lo_info;

typedef struct icd_entry {
	char code[9];
	char *desc;
} icd_entry;

enum { SCHED_DAYS = 29, SCHED_SLOTS = 24 * 60 / 5 };

/* The physician's future schedule: which slots of the next four weeks
 * are taken, so no two appointments overlap. */
typedef struct sched {
	bool open[SCHED_DAYS];
	unsigned char busy[SCHED_DAYS][SCHED_SLOTS];
	int booked[SCHED_DAYS], cap[SCHED_DAYS];
} sched;

/* Rows wait in a queue per table and go in sixteen at a time.  A one-row
 * INSERT here costs about 20 us, most of it per statement (each CHECK's
 * IN list is built into a temporary b-tree, the statement journal is set
 * up); sixteen rows in one statement cost about 7 us each.  Rows are
 * bound straight into the statement; slots left unbound at a flush are
 * NULL and skipped by "WHERE column1 IS NOT NULL". */
enum queue_id {
	/* In foreign-key order: a queue is flushed after those above it. */
	Q_PATIENT, Q_TOKEN, Q_ENC, Q_PROBLEM, Q_OBS, Q_IMM, Q_DX, Q_NOTE, Q_MED, Q_ALLERGY, Q_COUNT
};
enum { Q_ROWS = 16 };

typedef struct queue {
	int rows;                  /* bound so far */
	sqlite3_stmt *st;          /* while rows > 0 */
} queue;

typedef struct gen {
	emr_db *db;
	const emr_demo_opts *opts;
	uint64_t seed;
	time_t now;
	char now_s[EMR_INSTANT_LEN];
	long today;                     /* the practice's local date, as a day number */
	char clinic_days[8];            /* ISO weekdays open, "12345" */
	int open_min, close_min, slot_min;
	int64_t physician, nurse;
	int64_t next_patient, next_enc, next_problem, next_obs;
	lo_info lo[LO_COUNT];
	icd_entry *icd;
	size_t nicd;
	const char *cvx[VX_COUNT][2];   /* chosen code before / after the switch date */
	char template_name[65];
	sched sched;
	emr_sb note;
	queue q[Q_COUNT];
} gen;

/* ========================================================== the calendar */

static long day_of(int y, int m, int d)
{
	struct tm tm = {0};
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_hour = 12;
	return (long)(timegm(&tm) / 86400);
}

static void day_tm(long day, struct tm *out)
{
	time_t t = (time_t)day * 86400 + 43200;
	gmtime_r(&t, out);
}

static void day_text(long day, char *buf)
{
	struct tm tm;
	day_tm(day, &tm);
	strftime(buf, EMR_DATE_LEN, "%Y-%m-%d", &tm);
}

static bool clinic_open_on(const gen *g, long day)
{
	struct tm tm;
	day_tm(day, &tm);
	char iso = (char)('0' + (tm.tm_wday == 0 ? 7 : tm.tm_wday));
	return strchr(g->clinic_days, iso) != NULL;
}

/* The UTC instant of a local wall-clock time on a day (TZ is the
 * practice's zone while generating). */
static time_t local_instant(long day, int minute)
{
	struct tm d;
	day_tm(day, &d);
	struct tm l = {0};
	l.tm_year = d.tm_year;
	l.tm_mon = d.tm_mon;
	l.tm_mday = d.tm_mday;
	l.tm_hour = minute / 60;
	l.tm_min = minute % 60;
	l.tm_isdst = -1;
	return mktime(&l);
}

static double years_between(long from, long to)
{
	return (double)(to - from) / DAYS_PER_YEAR;
}

/* "2026-11-24" -> flu season 2026 (July to June). */
static int flu_season(long day)
{
	struct tm tm;
	day_tm(day, &tm);
	return tm.tm_year + 1900 - (tm.tm_mon < 6 ? 1 : 0);
}

static bool in_flu_season(long day)
{
	struct tm tm;
	day_tm(day, &tm);
	return tm.tm_mon >= 8 || tm.tm_mon <= 2;   /* September to March */
}

/* ============================================================ patients */

typedef enum vkind { VK_WELL, VK_ANNUAL, VK_FOLLOWUP, VK_ACUTE } vkind;

enum { MAX_VISITS = 12, MAX_MEDS = 16, MAX_ALLERGIES = 3 };

typedef struct visit {
	long day;
	int minute, dur;
	vkind kind;
	int acute;              /* acutes[] index, also the fallback for a follow-up with nothing to follow */
	bool tele, draft;
	int64_t enc;
	char date[EMR_DATE_LEN], start[EMR_INSTANT_LEN], end[EMR_INSTANT_LEN];
} visit;

typedef struct cond_state {
	bool on;
	const regimen *reg;     /* NULL: no treatment */
	const char *icd;        /* may refine the condition's code */
	int dx_visit;           /* where it was first recorded */
	bool preexisting;       /* known (and treated) before our first visit */
	long onset;             /* day, or NO_DAY when unknown */
	int resolved_visit;     /* -1 while active */
	int64_t problem_id;
} cond_state;

typedef struct med_state {
	const med_def *m;
	int cond;
	int start_visit, stop_visit;   /* stop_visit -1: still taken */
	const char *stop_reason;       /* NULL: completed course */
} med_state;

typedef struct pat {
	rng r;
	long index;
	int64_t id;
	int culture;
	char given[96], family[96], preferred[32];
	const char *sex;                /* female | male | other | unknown */
	bool female;                    /* for growth curves and sex-specific conditions */
	long dob;
	char dob_s[EMR_DATE_LEN];
	double z_ht, z_wt, bmi_now, bmi_drift, bp_s, bp_d, hr_base;
	bool htn_controlled;
	cond_state c[C_COUNT];
	visit v[MAX_VISITS];
	int nv;
	med_state meds[MAX_MEDS];
	int nmeds;
	int allergy[MAX_ALLERGIES];
	int nallergy;
	bool nkda, hesitant;
	int flags;                      /* AL_* bits of drug allergies */
	const char *status;
	long deceased;
	/* Running state while the visits are written, for the notes. */
	double last_a1c, last_ldl;
	long last_lipids;
	long vax_day[VX_COUNT];
	int vax_dose[VX_COUNT];
	int flu_season_given;
} pat;

static double clampd(double x, double lo, double hi)
{
	return x < lo ? lo : x > hi ? hi : x;
}

static long labs_long(long x)
{
	return x < 0 ? -x : x;
}

static double age_years(const pat *p, long day)
{
	return years_between(p->dob, day);
}

static bool cond_active(const pat *p, int c, int k)
{
	const cond_state *s = &p->c[c];
	return s->on && s->dx_visit <= k && (s->resolved_visit < 0 || s->resolved_visit > k);
}

/* Treated by the time of visit k (a diagnosis made at k is not yet). */
static bool cond_treated(const pat *p, int c, int k)
{
	const cond_state *s = &p->c[c];
	return cond_active(p, c, k) && s->reg && s->reg->m[0] && (s->preexisting || s->dx_visit < k);
}

/* ------------------------------------------------------------- people */

/* The first charts are fixed, so every demo shows the names the issue
 * asked for and the edge cases of age (culture indexes cultures[]). */
static const struct showcase {
	const char *given, *family, *preferred, *sex;
	int culture;
	int age_lo, age_hi;             /* days */
	unsigned conds;                 /* bits of enum cond forced on */
} showcase[] = {
	{"José", "García", "Pepe", "male", 2, 54 * 365 + 20, 54 * 365 + 300, 1u << C_HTN | 1u << C_T2DM | 1u << C_HLD},
	{"Zoë", "Williams", "", "female", 0, 46, 53, 0},
	{"Văn An", "Nguyễn", "", "male", 3, 67 * 365 + 20, 67 * 365 + 300, 1u << C_HTN | 1u << C_GERD},
	{"伟", "李", "", "male", 4, 38 * 365 + 20, 38 * 365 + 300, 1u << C_AR},
	{"Søren", "Jensen", "", "male", 6, 92 * 365 + 30, 92 * 365 + 300, 1u << C_AFIB | 1u << C_HTN | 1u << C_OA},
	{"Björk", "Guðmundsdóttir", "", "female", 6, 45 * 365 + 20, 45 * 365 + 300, 1u << C_HYPOTHY},
	{"Chloé", "Tremblay", "", "female", 7, 5, 5, 0},
	{"Muhammad", "Al-Rashid", "Mo", "male", 8, 16 * 365 + 20, 16 * 365 + 300, 1u << C_ASTHMA},
	{"Oluwaseun", "Adeyemi", "Seun", "male", 9, 29 * 365 + 20, 29 * 365 + 300, 0},
	{"Siobhán", "O'Brien", "", "female", 1, 71 * 365 + 20, 71 * 365 + 300, 1u << C_HTN | 1u << C_OSTEO | 1u << C_HLD},
	{"Łukasz", "Wójcik", "", "male", 11, 3 * 365 + 20, 3 * 365 + 200, 0},
	{"María José", "Hernández López", "Majo", "female", 2, 34 * 365 + 20, 34 * 365 + 300, 1u << C_DEPR | 1u << C_ANX},
	{"Priya", "Patel", "", "female", 10, 274, 290, 1u << C_ATOPIC},
};

static int pick_culture(rng *r)
{
	int total = 0;
	for (size_t i = 0; i < EMR_ARRAY_LEN(cultures); i++)
		total += cultures[i].weight;
	int x = rng_int(r, 0, total - 1);
	for (size_t i = 0; i < EMR_ARRAY_LEN(cultures); i++) {
		if (x < cultures[i].weight)
			return (int)i;
		x -= cultures[i].weight;
	}
	return 0;
}

static const char *given_name(rng *r, const culture *cu, bool female)
{
	return female ? cu->female[rng_int(r, 0, (int)cu->nfemale - 1)] : cu->male[rng_int(r, 0, (int)cu->nmale - 1)];
}

static const char *family_name(rng *r, const culture *cu)
{
	return cu->family[rng_int(r, 0, (int)cu->nfamily - 1)];
}

/* Ages of a primary-care panel, days and weeks old to over 100. */
static long pick_age_days(rng *r)
{
	static const struct { int pct, lo, hi; } bands[] = {
		{4, 0, 1}, {3, 1, 2}, {6, 2, 6}, {8, 6, 13}, {6, 13, 18},
		{25, 18, 40}, {30, 40, 65}, {15, 65, 90}, {3, 90, 101},
	};
	int x = rng_int(r, 0, 99);
	for (size_t i = 0; i < EMR_ARRAY_LEN(bands); i++) {
		if (x < bands[i].pct) {
			int lo = (int)(bands[i].lo * DAYS_PER_YEAR), hi = (int)(bands[i].hi * DAYS_PER_YEAR) - 1;
			return rng_int(r, lo, hi);
		}
		x -= bands[i].pct;
	}
	return 40 * 365;
}

static const char *pick_sex(rng *r, long age_days)
{
	int x = rng_int(r, 0, 999);
	if (age_days > 16 * 365 && x < 5)
		return "other";
	if (x < 10)
		return "unknown";
	return x < 510 ? "female" : "male";
}

static void make_identity(gen *g, pat *p)
{
	const struct showcase *sc = p->index < (long)EMR_ARRAY_LEN(showcase) ? &showcase[p->index] : NULL;
	long age_days;
	if (sc) {
		p->culture = sc->culture;
		age_days = rng_int(&p->r, sc->age_lo, sc->age_hi);
		p->sex = sc->sex;
	} else {
		p->culture = pick_culture(&p->r);
		age_days = pick_age_days(&p->r);
		p->sex = pick_sex(&p->r, age_days);
	}
	p->female = strcmp(p->sex, "female") == 0 ||
	            (strcmp(p->sex, "male") != 0 && rng_chance(&p->r, 0.5));
	p->dob = g->today - age_days;
	day_text(p->dob, p->dob_s);
	const culture *cu = &cultures[p->culture];
	if (sc) {
		snprintf(p->given, sizeof p->given, "%s", sc->given);
		snprintf(p->family, sizeof p->family, "%s", sc->family);
		snprintf(p->preferred, sizeof p->preferred, "%s", sc->preferred);
		return;
	}
	snprintf(p->given, sizeof p->given, "%s", given_name(&p->r, cu, p->female));
	const char *fam = family_name(&p->r, cu);
	const char *fam2 = family_name(&p->r, cu);
	if (rng_chance(&p->r, cu->compound_family) && strcmp(fam, fam2) != 0)
		snprintf(p->family, sizeof p->family, "%s %s", fam, fam2);
	else
		snprintf(p->family, sizeof p->family, "%s", fam);
	p->preferred[0] = '\0';
	for (size_t i = 0; i < EMR_ARRAY_LEN(nicknames); i++)
		if (strcmp(nicknames[i].given, p->given) == 0 && rng_chance(&p->r, 0.35))
			snprintf(p->preferred, sizeof p->preferred, "%s", nicknames[i].preferred);
}

/* -------------------------------------------------------------- growth */

static double interp(const double *xs, const double *ys, size_t n, double x)
{
	if (x <= xs[0])
		return ys[0];
	for (size_t i = 1; i < n; i++)
		if (x <= xs[i])
			return ys[i - 1] + (ys[i] - ys[i - 1]) * (x - xs[i - 1]) / (xs[i] - xs[i - 1]);
	return ys[n - 1];
}

static double child_height(const pat *p, double months)
{
	double med = interp(growth_months, p->female ? ht_girls : ht_boys, EMR_ARRAY_LEN(growth_months), months);
	return med * (1.0 + 0.04 * p->z_ht);
}

static double child_weight(const pat *p, double months)
{
	double med = interp(growth_months, p->female ? wt_girls : wt_boys, EMR_ARRAY_LEN(growth_months), months);
	/* Spread widens from about 11% at birth to 18% in adolescence. */
	double sd = 0.11 + 0.07 * (months < 216 ? months : 216) / 216.0;
	return med * (1.0 + sd * p->z_wt);
}

static double height_at(const pat *p, long day)
{
	double months = (double)(day - p->dob) / 30.436875;
	if (months < 216)
		return child_height(p, months);
	double h = child_height(p, 216);
	double age = age_years(p, day);
	if (age > 60)
		h -= 0.12 * (age - 60);    /* loss of stature with age */
	return h;
}

static double weight_at(const pat *p, long day, long today)
{
	long age_d = day - p->dob;
	double months = (double)age_d / 30.436875;
	if (months < 216) {
		double w = child_weight(p, months);
		/* Newborns lose up to 7% by day 4 and are back by two weeks. */
		if (age_d <= 4)
			w *= 1.0 - 0.0175 * (double)age_d;
		else if (age_d < 14)
			w *= 0.93 + 0.07 * (double)(age_d - 4) / 10.0;
		return w;
	}
	double h = height_at(p, day) / 100.0;
	double bmi = p->bmi_now - p->bmi_drift * years_between(day, today);
	return bmi * h * h;
}

/* Size, blood pressure and pulse that stay the same person's over years. */
static void make_body(gen *g, pat *p)
{
	rng *r = &p->r;
	/* Percentiles 1 to 99: the extremes exist but would distract in a demo. */
	p->z_ht = clampd(rng_normal(r), -2.3, 2.3);
	p->z_wt = clampd(0.6 * p->z_ht + 0.8 * rng_normal(r), -2.3, 2.3);
	double age = age_years(p, g->today);
	double base = age < 30 ? 25.0 : age < 70 ? 27.8 : age < 85 ? 26.5 : 24.5;
	p->bmi_now = base * exp(0.16 * rng_normal(r));
	if (age < 25) {
		/* Young adults continue their own growth curve, not a new draw. */
		double h = child_height(p, 216) / 100.0;
		p->bmi_now = child_weight(p, 216) / (h * h) + 0.3 * (age - 18);
	}
	if (p->bmi_now < 16.5)
		p->bmi_now = 16.5;
	p->bmi_drift = age > 80 ? -0.15 + 0.1 * rng_normal(r) : 0.12 + 0.25 * rng_normal(r);
	p->bp_s = 6.0 * rng_normal(r);
	p->bp_d = 4.0 * rng_normal(r);
	p->hr_base = 70.0 + 7.0 * rng_normal(r);
	p->htn_controlled = rng_chance(r, 0.7);
}

/* ---------------------------------------------------------- conditions */

static int age_band(double age)
{
	return age < 18 ? 0 : age < 40 ? 1 : age < 65 ? 2 : 3;
}

static double cond_prevalence(const pat *p, int c, double age)
{
	const cond_def *d = &conds[c];
	/* A few years past max_age: the history may reach back into it. */
	if (age < d->min_age || age > d->max_age + 8)
		return 0;
	if ((d->sex == 'f' && !p->female) || (d->sex == 'm' && p->female))
		return 0;
	double x = d->prev[age_band(age)] * (p->female ? d->female_x : 2.0 - d->female_x);
	bool obese = p->bmi_now >= 30 && age >= 18;
	switch (c) {
	case C_T2DM: x *= obese ? 2.0 : 0.8; break;
	case C_PREDM: x = p->c[C_T2DM].on ? 0 : x; break;
	case C_HTN: x *= (p->c[C_T2DM].on ? 1.6 : 1.0) * (obese ? 1.3 : 1.0); break;
	case C_HLD: x *= p->c[C_T2DM].on ? 1.6 : 1.0; break;
	case C_CAD: x *= p->c[C_HLD].on || p->c[C_T2DM].on ? 2.0 : 0.6; break;
	case C_CKD: x *= p->c[C_HTN].on || p->c[C_T2DM].on ? 2.0 : 0.5; break;
	case C_COPD: x *= p->c[C_TOBACCO].on ? 3.0 : 0.4; break;
	case C_OSA: x *= obese ? 2.5 : 0.5; break;
	case C_ANX: x *= p->c[C_DEPR].on ? 2.0 : 1.0; break;
	default: break;
	}
	return x > 0.9 ? 0.9 : x;
}

static const regimen *pick_regimen(pat *p, int c, double age)
{
	const cond_def *d = &conds[c];
	int total = 0;
	for (size_t i = 0; i < d->nreg; i++)
		if (age >= d->reg[i].min_age && age <= d->reg[i].max_age + 1)
			total += d->reg[i].weight;
	if (total == 0)
		return NULL;
	int x = rng_int(&p->r, 0, total - 1);
	for (size_t i = 0; i < d->nreg; i++) {
		if (!(age >= d->reg[i].min_age && age <= d->reg[i].max_age + 1))
			continue;
		if (x < d->reg[i].weight)
			return &d->reg[i];
		x -= d->reg[i].weight;
	}
	return NULL;
}

static void pick_conditions(gen *g, pat *p)
{
	double age = age_years(p, g->today);
	unsigned forced = p->index < (long)EMR_ARRAY_LEN(showcase) ? showcase[p->index].conds : 0;
	for (int c = 0; c < C_OBESITY; c++) {
		bool on = forced ? (forced >> c) & 1u : rng_chance(&p->r, cond_prevalence(p, c, age));
		p->c[c].on = on;
		p->c[c].resolved_visit = -1;
		p->c[c].onset = NO_DAY;
		p->c[c].icd = conds[c].icd;
	}
	p->c[C_OBESITY].resolved_visit = -1;
	p->c[C_OBESITY].onset = NO_DAY;
	p->c[C_OBESITY].icd = conds[C_OBESITY].icd;
	/* Obesity as a problem follows the measured BMI, coded by class. */
	if (age >= 18 && p->bmi_now >= 30 && rng_chance(&p->r, 0.7)) {
		p->c[C_OBESITY].on = true;
		p->c[C_OBESITY].icd = p->bmi_now >= 40 ? "E66813" : p->bmi_now >= 35 ? "E66812" : "E66811";
	}
}

/* ------------------------------------------------------------- visits */

static int cmp_visit(const void *a, const void *b)
{
	const visit *x = a, *y = b;
	if (x->day != y->day)
		return x->day < y->day ? -1 : 1;
	return (int)x->kind - (int)y->kind;
}

/* A clinic day on or before day (never today or later). */
static long clinic_day_before(const gen *g, long day)
{
	if (day >= g->today)
		day = g->today - 1;
	for (int i = 0; i < 7 && !clinic_open_on(g, day); i++)
		day--;
	return day;
}

static int pick_acute(pat *p, double age)
{
	int total = 0;
	for (size_t i = 0; i < EMR_ARRAY_LEN(acutes); i++) {
		const acute_def *a = &acutes[i];
		if (age >= a->min_age && age < a->max_age + 1 && (!a->sex || (a->sex == 'f') == p->female))
			total += a->weight;
	}
	int x = rng_int(&p->r, 0, total - 1);
	for (size_t i = 0; i < EMR_ARRAY_LEN(acutes); i++) {
		const acute_def *a = &acutes[i];
		if (!(age >= a->min_age && age < a->max_age + 1 && (!a->sex || (a->sex == 'f') == p->female)))
			continue;
		if (x < a->weight)
			return (int)i;
		x -= a->weight;
	}
	return 0;
}

typedef struct vlist {
	visit v[48];
	int n;
} vlist;

static void vlist_add(vlist *l, long day, vkind kind)
{
	if (l->n < (int)EMR_ARRAY_LEN(l->v)) {
		memset(&l->v[l->n], 0, sizeof l->v[0]);
		l->v[l->n].day = day;
		l->v[l->n].kind = kind;
		l->n++;
	}
}

/* The shortest follow-up interval of the patient's chronic problems. */
static int followup_interval(const pat *p)
{
	int best = 0;
	for (int c = 0; c < C_COUNT; c++)
		if (p->c[c].on && conds[c].followup_days && (!best || conds[c].followup_days < best))
			best = conds[c].followup_days;
	return best;
}

static void candidate_visits(gen *g, pat *p, long reg, vlist *l)
{
	rng *r = &p->r;
	for (size_t i = 0; i < EMR_ARRAY_LEN(well_ages); i++) {
		int a = well_ages[i];
		long d = p->dob + a + (a < 30 ? 0 : rng_int(r, 0, a / 20));
		if (d >= reg && d < g->today)
			vlist_add(l, d, VK_WELL);
	}
	for (int y = 4; y < 18; y++) {
		long d = p->dob + (long)(y * DAYS_PER_YEAR) + rng_int(r, -20, 40);
		if (d >= reg && d < g->today && rng_chance(r, 0.85))
			vlist_add(l, d, VK_WELL);
	}
	double p_annual = age_years(p, g->today) >= 65 ? 0.7 : 0.5;
	for (long d = reg + rng_int(r, 0, 365); d < g->today; d += 365 + rng_int(r, -30, 30))
		if (age_years(p, d) >= 18 && rng_chance(r, p_annual))
			vlist_add(l, d, VK_ANNUAL);
	int fu = followup_interval(p);
	if (fu)
		for (long d = reg + rng_int(r, 0, fu); d < g->today; d += fu + rng_int(r, -fu / 5, fu / 5))
			vlist_add(l, d, VK_FOLLOWUP);
	double age = age_years(p, g->today);
	double rate = age < 6 ? 1.0 : age < 18 ? 0.45 : age < 65 ? 0.25 : 0.35;
	double expect = rate * (double)(g->today - reg) / DAYS_PER_YEAR;
	int n = (int)expect + (rng_chance(r, expect - (int)expect) ? 1 : 0);
	for (int i = 0; i < n && g->today - reg > 1; i++)
		vlist_add(l, reg + rng_int(r, 0, (int)(g->today - reg - 1)), VK_ACUTE);
}

/* Sorted, on clinic days, at most one a week unless acute, and at most
 * MAX visits: the most recent ones. */
static void settle_visits(gen *g, pat *p, vlist *l)
{
	for (int i = 0; i < l->n; i++) {
		l->v[i].day = clinic_day_before(g, l->v[i].day);
		if (l->v[i].day < p->dob)
			l->v[i].day = p->dob;
	}
	qsort(l->v, (size_t)l->n, sizeof l->v[0], cmp_visit);
	int m = 0;
	for (int i = 0; i < l->n; i++) {
		long gap = m ? l->v[i].day - l->v[m - 1].day : 1000;
		if (gap < 1 || (gap < 14 && l->v[i].kind != VK_ACUTE))
			continue;
		l->v[m++] = l->v[i];
	}
	int max = age_years(p, g->today) < 3 ? MAX_VISITS - 2 : 7;
	int skip = m > max ? m - max : 0;
	p->nv = m - skip;
	memcpy(p->v, l->v + skip, (size_t)p->nv * sizeof p->v[0]);
}

/* Times of day, lengths and kinds. */
static void shape_visits(gen *g, pat *p)
{
	rng *r = &p->r;
	bool mental_only = true;
	for (int c = 0; c < C_COUNT; c++)
		if (p->c[c].on && conds[c].followup_days && c != C_DEPR && c != C_ANX && c != C_ADHD)
			mental_only = false;
	for (int k = 0; k < p->nv; k++) {
		visit *v = &p->v[k];
		double age = age_years(p, v->day);
		if (k == 0 && v->kind != VK_WELL)
			v->kind = age >= 18 ? VK_ANNUAL : VK_WELL;   /* a new patient's first visit is a full one */
		v->acute = pick_acute(p, age);
		v->dur = v->kind == VK_WELL || v->kind == VK_ANNUAL ? 30 : v->kind == VK_ACUTE ? 15 : rng_chance(r, 0.5) ? 15 : 30;
		v->tele = v->kind == VK_FOLLOWUP && v->day >= day_of(2020, 4, 1) &&
		          rng_chance(r, mental_only ? 0.45 : 0.05);
		int slots = (g->close_min - g->open_min - v->dur) / 15;
		do
			v->minute = g->open_min + 15 * rng_int(r, 0, slots);
		while (v->minute >= 12 * 60 && v->minute < 13 * 60);
		long ago = g->today - v->day;
		v->draft = (ago <= 3 && rng_chance(r, 0.6)) || (ago <= 14 && rng_chance(r, 0.15));
		day_text(v->day, v->date);
		time_t t = local_instant(v->day, v->minute);
		emr_instant_format(t, v->start);
		emr_instant_format(t + 60 * v->dur, v->end);
	}
}

static void plan_visits(gen *g, pat *p)
{
	rng *r = &p->r;
	p->nv = 0;
	long age_days = g->today - p->dob;
	/* A few charts are new registrations, not yet seen. */
	if (p->index >= (long)EMR_ARRAY_LEN(showcase) && age_days > 365 && rng_chance(r, 0.03))
		return;
	long window = rng_int(r, 90, (int)(4 * DAYS_PER_YEAR));
	long reg = g->today - window < p->dob ? p->dob : g->today - window;
	vlist l;
	l.n = 0;
	candidate_visits(g, p, reg, &l);
	if (p->index == 0)   /* José: seen on the last clinic day, note still to sign */
		vlist_add(&l, clinic_day_before(g, g->today - 1), VK_FOLLOWUP);
	if (l.n == 0 && age_days > 0)
		vlist_add(&l, reg + rng_int(r, 0, (int)(g->today - reg - 1 > 0 ? g->today - reg - 1 : 0)), VK_ANNUAL);
	settle_visits(g, p, &l);
	shape_visits(g, p);
	if (p->index == 0 && p->nv > 0)
		p->v[p->nv - 1].draft = true;
}

/* When each condition entered the chart: known at the first visit it
 * could have been, or diagnosed at a later one. */
static void time_conditions(pat *p)
{
	rng *r = &p->r;
	for (int c = 0; c < C_COUNT; c++) {
		cond_state *s = &p->c[c];
		if (!s->on)
			continue;
		const cond_def *d = &conds[c];
		int first = -1;
		for (int k = 0; k < p->nv && first < 0; k++) {
			double a = age_years(p, p->v[k].day);
			if (a >= d->min_age && a <= d->max_age)
				first = k;
		}
		if (first < 0) {
			s->on = false;
			continue;
		}
		bool later = first > 0 || (p->nv >= 2 && rng_chance(r, 0.3) && c != C_OBESITY);
		if (later) {
			int lo = first > 0 ? first : 1;
			s->dx_visit = rng_int(r, lo, p->nv - 1);
			long dx = p->v[s->dx_visit].day;
			s->onset = dx - rng_int(r, 0, 45);
			if (s->onset < p->dob)
				s->onset = p->dob;
		} else {
			s->dx_visit = 0;
			s->preexisting = true;
			long lo = p->dob + (long)(d->min_age * DAYS_PER_YEAR);
			long v0 = p->v[0].day;
			if (lo < v0 - 3650)
				lo = v0 - 3650;
			if (c != C_OBESITY && lo < v0 - 60 && rng_chance(r, 0.7))
				s->onset = lo + rng_int(r, 0, (int)(v0 - 60 - lo));
		}
		s->reg = pick_regimen(p, c, age_years(p, p->v[s->dx_visit].day));
		if (s->reg && s->reg->icd)
			s->icd = s->reg->icd;
		if (d->resolve > 0 && rng_chance(r, d->resolve)) {
			for (int k = s->dx_visit + 1; k < p->nv; k++)
				if (p->v[k].day - p->v[s->dx_visit].day >= 30 && rng_chance(r, 0.6)) {
					s->resolved_visit = k;
					break;
				}
		}
	}
}

/* ---------------------------------------------------------- allergies */

static void pick_allergies(gen *g, pat *p)
{
	rng *r = &p->r;
	double age = age_years(p, g->today);
	p->nallergy = 0;
	p->nkda = false;
	double x = rng_unit(r);
	if (x < 0.18)
		return;                          /* nothing recorded yet */
	bool any = x >= 0.62;
	bool drug = false;
	int n = any ? (rng_chance(r, 0.75) ? 1 : rng_chance(r, 0.7) ? 2 : 3) : 0;
	for (int i = 0; i < n; i++) {
		int total = 0;
		for (size_t j = 0; j < EMR_ARRAY_LEN(allergy_defs); j++)
			total += age >= allergy_defs[j].min_age ? allergy_defs[j].weight : 0;
		int y = rng_int(r, 0, total - 1), pick = -1;
		for (size_t j = 0; j < EMR_ARRAY_LEN(allergy_defs) && pick < 0; j++) {
			int w = age >= allergy_defs[j].min_age ? allergy_defs[j].weight : 0;
			if (y < w)
				pick = (int)j;
			y -= w;
		}
		bool dup = false;
		for (int j = 0; j < p->nallergy; j++)
			dup |= p->allergy[j] == pick;
		int fl = pick >= 0 ? allergy_defs[pick].flag : AL_NONE;
		bool abx = fl == AL_BETALACTAM || fl == AL_ANTIBIOTIC;
		if (pick < 0 || dup || (abx && (p->flags & (1 << AL_BETALACTAM | 1 << AL_ANTIBIOTIC))))
			continue;
		p->allergy[p->nallergy++] = pick;
		drug |= strcmp(allergy_defs[pick].category, "drug") == 0;
		if (allergy_defs[pick].flag)
			p->flags |= 1 << allergy_defs[pick].flag;
	}
	/* "No known drug allergies" is recorded when no drug allergy is. */
	p->nkda = !drug;
}

/* --------------------------------------------------------- medications */

static bool has_med_class(const pat *p, const med_def *m)
{
	for (int i = 0; i < p->nmeds; i++) {
		const med_def *o = p->meds[i].m;
		/* Stopped drugs and short courses do not block a successor. */
		if (p->meds[i].stop_visit >= 0 || o->course_days)
			continue;
		if (strcmp(o->drug, m->drug) == 0 || (o->cls && m->cls && strcmp(o->cls, m->cls) == 0))
			return true;
	}
	return false;
}

static void add_med(pat *p, const med_def *m, int c, int start, int stop, const char *why)
{
	if (p->nmeds >= MAX_MEDS || has_med_class(p, m))
		return;
	med_state *s = &p->meds[p->nmeds++];
	s->m = m;
	s->cond = c;
	s->start_visit = start;
	s->stop_visit = stop;
	s->stop_reason = why;
}

/* A course's last day, or NO_DAY for an ongoing medication. */
static long course_end(const pat *p, const med_state *s)
{
	if (!s->m->course_days)
		return NO_DAY;
	return p->v[s->start_visit].day + s->m->course_days - 1;
}

static void plan_meds(gen *g, pat *p)
{
	rng *r = &p->r;
	p->nmeds = 0;
	for (int c = 0; c < C_COUNT; c++) {
		const cond_state *s = &p->c[c];
		if (!s->on || !s->reg)
			continue;
		/* Anxiety with depression is treated by the antidepressant. */
		if (c == C_ANX && p->c[C_DEPR].on && p->c[C_DEPR].reg && p->c[C_DEPR].reg->m[0])
			continue;
		for (int i = 0; i < 3 && s->reg->m[i]; i++) {
			const med_def *m = s->reg->m[i];
			if (p->flags & (1 << AL_ASPIRIN)) {
				if (m == &m_aspirin81)
					m = &m_clopidogrel;
				else if (m == &m_ibuprofen600)
					m = &m_acetaminophen;
				else if (m == &m_diclofenac_gel)
					continue;
			}
			/* Apixaban 2.5 mg for two of: age 80 or more, weight 60 kg or less, creatinine 1.5 or more. */
			long start = p->v[s->dx_visit].day;
			if (m == &m_apixaban5 && age_years(p, start) >= 80 &&
			    (weight_at(p, start, g->today) <= 60 || c == C_CKD || p->c[C_CKD].on))
				m = &m_apixaban25;
			int stop = -1;
			const char *why = NULL;
			if (s->resolved_visit >= 0 && !m->course_days) {
				stop = s->resolved_visit;
				why = c == C_DEPR ? "Depression in remission; tapered off" : "Problem resolved";
			}
			add_med(p, m, c, s->dx_visit, stop, why);
		}
	}
	/* About one in seven on an ACE inhibitor develops the dry cough. */
	for (int i = 0; i < p->nmeds; i++) {
		med_state *s = &p->meds[i];
		if (strcmp(s->m->drug, "lisinopril") != 0 || s->stop_visit >= 0 || !rng_chance(r, 0.15))
			continue;
		if (s->start_visit + 1 >= p->nv)
			break;
		int k = rng_int(r, s->start_visit + 1, p->nv - 1);
		s->stop_visit = k;
		s->stop_reason = "Dry cough, likely from the ACE inhibitor";
		add_med(p, &m_losartan50, s->cond, k, -1, NULL);
		break;
	}
}

/* Coronary disease implies treated hyperlipidemia on a high-intensity
 * statin, from the CAD diagnosis at the latest. */
static void link_cad_statin(pat *p)
{
	cond_state *cad = &p->c[C_CAD], *hld = &p->c[C_HLD];
	if (!cad->on)
		return;
	if (!hld->on || hld->dx_visit > cad->dx_visit) {
		*hld = *cad;
		hld->icd = conds[C_HLD].icd;
	}
	hld->reg = &r_hld_high;
}

/* A follow-up with nothing chronic yet to follow becomes a sick visit. */
static void settle_kinds(pat *p)
{
	for (int k = 0; k < p->nv; k++) {
		visit *v = &p->v[k];
		if (v->kind != VK_FOLLOWUP)
			continue;
		bool any = false;
		for (int c = 0; c < C_COUNT; c++)
			any |= cond_active(p, c, k) && (conds[c].followup_days || p->c[c].dx_visit == k);
		if (!any) {
			v->kind = VK_ACUTE;
			v->tele = false;
		}
	}
}

/* ============================================================ writing */

/* Text is copied: a queued row outlives the caller's buffers. */
static void bt(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static void bid(sqlite3_stmt *st, int i, int64_t id)
{
	if (id)
		sqlite3_bind_int64(st, i, id);
	else
		sqlite3_bind_null(st, i);
}

/* Steps an INSERT; on failure sets the error naming what was added. */
static int done(gen *g, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	if (rc != SQLITE_DONE) {
		char doing[96];
		snprintf(doing, sizeof doing, "demo: adding %s", what);
		emr_db_fail(g->db, doing);
	}
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

#define X4(r) r ", " r ", " r ", " r
#define X16(r) X4(r) ", " X4(r) ", " X4(r) ", " X4(r)
#define QUEUED(insert, row) insert " SELECT * FROM (VALUES " X16(row) ") WHERE column1 IS NOT NULL"
#define R2 "(?, ?)"
#define R4 "(?, ?, ?, ?)"
#define R9 "(?, ?, ?, ?, ?, ?, ?, ?, ?)"
#define R10 "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
#define R11 "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
#define R13 "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
#define R19 "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
#define R25 "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"

static const struct {
	const char *sql, *what;
	int ncol;
} queues[Q_COUNT] = {
	[Q_PATIENT] = {QUEUED("INSERT INTO patients(id, mrn, given_name, family_name, preferred_name, sex, gender_identity,"
	                      " dob, phone, phone_digits, email, address, city, state, postal_code, emergency_name,"
	                      " emergency_phone, insurance_payer, insurance_member, status, deceased_date, status_reason,"
	                      " last_opened_at, created_at, updated_at)", R25), "patients", 25},
	[Q_TOKEN] = {QUEUED("INSERT OR IGNORE INTO patient_name_tokens(token, patient_id)", R2), "name tokens", 2},
	[Q_ENC] = {QUEUED("INSERT INTO encounters(id, patient_id, provider_id, start_at, end_at, type, reason, status,"
	                  " followup_days, created_at)", R10), "visits", 10},
	[Q_PROBLEM] = {QUEUED("INSERT INTO problems(id, patient_id, icd10, description, onset_date, status, resolved_date,"
	                      " recorded_by, created_at, updated_at)", R10), "problems", 10},
	[Q_OBS] = {QUEUED("INSERT INTO observations(id, patient_id, encounter_id, loinc, panel_id, value_num, unit,"
	                  " ref_low, ref_high, flag, effective_at, recorded_by, created_at)", R13), "observations", 13},
	[Q_IMM] = {QUEUED("INSERT INTO immunizations(patient_id, encounter_id, cvx, administered_on, lot, manufacturer,"
	                  " site, route, dose_number, performer_id, created_at)", R11), "immunizations", 11},
	[Q_DX] = {QUEUED("INSERT INTO encounter_diagnoses(encounter_id, rank, icd10, problem_id)", R4), "visit diagnoses", 4},
	[Q_NOTE] = {QUEUED("INSERT INTO notes(encounter_id, patient_id, author_id, template, body, status, signed_by,"
	                   " signed_at, created_at, updated_at)", R10), "notes", 10},
	[Q_MED] = {QUEUED("INSERT INTO medications(patient_id, encounter_id, drug, strength, form, route, sig, quantity,"
	                  " quantity_unit, refills, start_date, stop_date, prescriber_id, is_prescription, status,"
	                  " reason, stop_reason, created_at, updated_at)", R19), "medications", 19},
	[Q_ALLERGY] = {QUEUED("INSERT INTO allergies(patient_id, is_nkda, substance, category, reaction, severity,"
	                      " recorded_by, created_at, updated_at)", R9), "allergies", 9},
};

/* Inserts every queued row, parents before children. */
static int flush_all(gen *g)
{
	for (int i = 0; i < Q_COUNT; i++) {
		queue *q = &g->q[i];
		if (q->rows == 0)
			continue;
		q->rows = 0;
		if (done(g, q->st, queues[i].what) != 0)
			return -1;
	}
	return 0;
}

/* Starts a row in queue `which`: returns the statement and sets *base to
 * the index of the row's first parameter less one.  The caller binds the
 * whole row before touching any other queue. */
static sqlite3_stmt *q_row(gen *g, enum queue_id which, int *base)
{
	queue *q = &g->q[which];
	if (q->rows == Q_ROWS && flush_all(g) != 0)
		return NULL;
	if (q->rows == 0 && !(q->st = emr_db_stmt(g->db, queues[which].sql)))
		return NULL;
	*base = q->rows++ * queues[which].ncol;
	return q->st;
}

static const char *icd_desc(const gen *g, const char *code)
{
	size_t lo = 0, hi = g->nicd;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(g->icd[mid].code, code);
		if (c == 0)
			return g->icd[mid].desc;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return code;    /* unreachable: setup checked every code */
}

/* "E119" -> "E11.9". */
static void icd_dot(const char *code, char *buf, size_t n)
{
	if (strlen(code) > 3)
		snprintf(buf, n, "%.3s.%s", code, code + 3);
	else
		snprintf(buf, n, "%s", code);
}

/* ------------------------------------------------------ demographics */

typedef struct contact {
	char phone[24], digits[16], email[128], address[96], emerg_name[128], emerg_phone[24], member[24];
	const char *city, *state, *zip, *payer;
} contact;

static void phone_number(rng *r, const char *area, char *phone, size_t n, char *digits, size_t nd)
{
	/* 555-0100 to 555-0199 are reserved for fiction: no real person is called. */
	int line = rng_int(r, 100, 199);
	snprintf(phone, n, "(%s) 555-%04d", area, line);
	snprintf(digits, nd, "%s555%04d", area, line);
}

/* An ASCII e-mail local part from a name, or "" when it has none. */
static void email_part(const char *name, char *out, size_t n)
{
	char *f = emr_fold(name);
	size_t j = 0;
	for (const char *s = f ? f : ""; *s && j + 1 < n; s++) {
		if ((unsigned char)*s >= 0x80) {
			j = 0;
			break;
		}
		if ((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9'))
			out[j++] = *s;
	}
	out[j] = '\0';
	free(f);
}

static void member_id(rng *r, const char *payer, char *out, size_t n)
{
	if (strcmp(payer, "Medicare") == 0) {
		/* Medicare Beneficiary Identifier: 11 characters, no S L O I B Z. */
		static const char letters[] = "ACDEFGHJKMNPQRTUVWXY";
		static const char *const shape = "CAXNAXNAANN";
		for (int i = 0; i < 11 && (size_t)i + 1 < n; i++) {
			char k = shape[i];
			bool digit = k == 'N' || k == 'C' || (k == 'X' && rng_chance(r, 0.5));
			out[i] = digit ? (char)('0' + rng_int(r, k == 'C' ? 1 : 0, 9)) : letters[rng_int(r, 0, 19)];
		}
		out[11] = '\0';
	} else if (strcmp(payer, "MassHealth") == 0) {
		snprintf(out, n, "1%05d%06d", rng_int(r, 0, 99999), rng_int(r, 0, 999999));
	} else {
		snprintf(out, n, "%c%c%c%09d", 'A' + rng_int(r, 0, 25), 'A' + rng_int(r, 0, 25), 'A' + rng_int(r, 0, 25),
		         rng_int(r, 0, 999999999));
	}
}

/* "Ana García (mother)": a relative of an age that fits the patient's,
 * named the way the family's culture writes names. */
static bool emergency_contact(pat *p, double age, char *buf, size_t n)
{
	rng *r = &p->r;
	const culture *cu = &cultures[p->culture];
	static const char *const young[] = {"mother", "father", "spouse", "partner", "sister", "brother", "friend"};
	static const char *const middle[] = {"spouse", "spouse", "partner", "sister", "brother", "daughter", "son", "friend"};
	static const char *const old[] = {"spouse", "daughter", "son", "daughter", "son", "niece"};
	const char *who;
	if (age < 18)
		who = rng_chance(r, 0.7) ? "mother" : "father";
	else if (!rng_chance(r, 0.75))
		return false;
	else
		who = age < 40 ? PICK(r, young) : age < 65 ? PICK(r, middle) : PICK(r, old);
	bool kin = strcmp(who, "friend") != 0 && strcmp(who, "partner") != 0 && strcmp(who, "spouse") != 0;
	bool fem = kin ? strstr("mother daughter sister niece", who) != NULL : rng_chance(r, 0.5);
	const char *given = given_name(r, cu, fem);
	if (strcmp(given, p->given) == 0)
		given = given_name(r, cu, fem);
	const char *fam = kin || rng_chance(r, 0.5) ? p->family : family_name(r, cu);
	if (cu->order == 2)
		snprintf(buf, n, "%s%s (%s)", fam, given, who);
	else if (cu->order == 1)
		snprintf(buf, n, "%s %s (%s)", fam, given, who);
	else
		snprintf(buf, n, "%s %s (%s)", given, fam, who);
	return true;
}

static void make_contact(gen *g, pat *p, contact *ct)
{
	rng *r = &p->r;
	double age = age_years(p, g->today);
	int t = rng_int(r, 0, (int)EMR_ARRAY_LEN(towns) - 1);
	ct->city = towns[t].city;
	ct->state = towns[t].state;
	ct->zip = towns[t].zip;
	static const char *const units[] = {"Apt 2", "Apt 3B", "Unit 4", "#1", "Apt 12", "2nd floor"};
	if (rng_chance(r, 0.3))
		snprintf(ct->address, sizeof ct->address, "%d %s, %s", rng_int(r, 1, 999), PICK(r, streets), PICK(r, units));
	else
		snprintf(ct->address, sizeof ct->address, "%d %s", rng_int(r, 1, 999), PICK(r, streets));
	phone_number(r, towns[t].area, ct->phone, sizeof ct->phone, ct->digits, sizeof ct->digits);
	ct->email[0] = '\0';
	char a[40], b[40];
	email_part(p->given, a, sizeof a);
	email_part(p->family, b, sizeof b);
	if (age >= 16 && *a && *b && rng_chance(r, 0.7))
		snprintf(ct->email, sizeof ct->email, "%s.%s%s@%s", a, b, rng_chance(r, 0.4) ? "1" : "",
		         rng_chance(r, 0.5) ? "example.com" : rng_chance(r, 0.5) ? "example.org" : "example.net");
	char dummy[16];
	phone_number(r, towns[t].area, ct->emerg_phone, sizeof ct->emerg_phone, dummy, sizeof dummy);
	if (!emergency_contact(p, age, ct->emerg_name, sizeof ct->emerg_name))
		ct->emerg_name[0] = ct->emerg_phone[0] = '\0';
	if (age >= 65)
		ct->payer = rng_chance(r, 0.8) ? "Medicare" : "Tufts Health Plan Medicare Preferred";
	else if (rng_chance(r, age < 19 ? 0.35 : 0.13))
		ct->payer = "MassHealth";
	else if (age >= 19 && rng_chance(r, 0.05))
		ct->payer = "";    /* self-pay */
	else
		ct->payer = PICK(r, commercial_payers);
	ct->member[0] = '\0';
	if (*ct->payer)
		member_id(r, ct->payer, ct->member, sizeof ct->member);
}

/* Alive, moved away, or died after the last visit. */
static void settle_status(gen *g, pat *p)
{
	rng *r = &p->r;
	p->status = "active";
	p->deceased = NO_DAY;
	if (p->index < (long)EMR_ARRAY_LEN(showcase) || p->nv == 0)
		return;
	long last = p->v[p->nv - 1].day;
	double age = age_years(p, g->today);
	if (age >= 75 && rng_chance(r, 0.04) && g->today - last > 30) {
		p->status = "deceased";
		p->deceased = last + rng_int(r, 10, (int)(g->today - last - 1));
	} else if (rng_chance(r, 0.02)) {
		p->status = "inactive";
	}
}

typedef struct token_ctx {
	gen *g;
	int64_t id;
	int rc;
} token_ctx;

static void add_token(const char *token, void *arg)
{
	token_ctx *t = arg;
	int b;
	sqlite3_stmt *st = q_row(t->g, Q_TOKEN, &b);
	if (!st) {
		t->rc = -1;
		return;
	}
	bt(st, b + 1, token);
	sqlite3_bind_int64(st, b + 2, t->id);
}

static int write_patient(gen *g, pat *p)
{
	contact ct;
	make_contact(g, p, &ct);
	int b;
	sqlite3_stmt *st = q_row(g, Q_PATIENT, &b);
	if (!st)
		return -1;
	char mrn[16], deceased[EMR_DATE_LEN], created[EMR_INSTANT_LEN];
	snprintf(mrn, sizeof mrn, "E%06lld", (long long)p->id);
	sqlite3_bind_int64(st, b + 1, p->id);
	bt(st, b + 2, mrn);
	bt(st, b + 3, p->given);
	bt(st, b + 4, p->family);
	bt(st, b + 5, p->preferred);
	bt(st, b + 6, p->sex);
	bt(st, b + 7, strcmp(p->sex, "other") == 0 ? "non-binary" : "");
	bt(st, b + 8, p->dob_s);
	bt(st, b + 9, ct.phone);
	bt(st, b + 10, ct.digits);
	bt(st, b + 11, ct.email);
	bt(st, b + 12, ct.address);
	bt(st, b + 13, ct.city);
	bt(st, b + 14, ct.state);
	bt(st, b + 15, ct.zip);
	bt(st, b + 16, ct.emerg_name);
	bt(st, b + 17, ct.emerg_phone);
	bt(st, b + 18, ct.payer);
	bt(st, b + 19, ct.member);
	bt(st, b + 20, p->status);
	if (p->deceased != NO_DAY) {
		day_text(p->deceased, deceased);
		bt(st, b + 21, deceased);
	}
	bt(st, b + 22, strcmp(p->status, "inactive") == 0 ? "Transferred care to another practice" : "");
	/* Charts seen in the last fortnight head the "recent patients" list. */
	if (p->nv && g->today - p->v[p->nv - 1].day <= 14)
		bt(st, b + 23, p->v[p->nv - 1].end);
	if (p->nv) {
		time_t t;
		emr_instant_parse(p->v[0].start, &t);
		emr_instant_format(t - 20 * 60, created);    /* registered at check-in */
	} else {
		emr_instant_format(g->now - 86400L * rng_int(&p->r, 1, 20), created);
	}
	bt(st, b + 24, created);
	bt(st, b + 25, created);
	token_ctx t = {g, p->id, 0};
	emr_tokens(p->given, add_token, &t);
	emr_tokens(p->family, add_token, &t);
	emr_tokens(p->preferred, add_token, &t);
	return t.rc;
}

/* ----------------------------------------------------------- encounters */

/* A well visit under 3 is named by the schedule age nearest to it. */
static const char *well_label(long days)
{
	static const char *const names[] = {
		"newborn", "1 month", "2 months", "4 months", "6 months", "9 months", "12 months",
		"15 months", "18 months", "24 months", "30 months", "3 years",
	};
	size_t best = 0;
	for (size_t i = 1; i < EMR_ARRAY_LEN(well_ages); i++)
		if (labs_long(days - well_ages[i]) < labs_long(days - well_ages[best]))
			best = i;
	return names[best];
}

static void visit_reason(const pat *p, int k, char *buf, size_t n)
{
	const visit *v = &p->v[k];
	double age = age_years(p, v->day);
	long d = v->day - p->dob;
	switch (v->kind) {
	case VK_WELL:
		if (d < 14)
			snprintf(buf, n, "Newborn visit");
		else if (d < 1000)
			snprintf(buf, n, "Well-child visit (%s)", well_label(d));
		else if (age < 12)
			snprintf(buf, n, "Well-child visit (%d years)", (int)age);
		else
			snprintf(buf, n, "Adolescent well visit (%d years)", (int)age);
		break;
	case VK_ANNUAL:
		snprintf(buf, n, "%s", k == 0 ? "New patient: establish care" : age >= 65 ? "Annual wellness visit" : "Annual physical");
		break;
	case VK_FOLLOWUP: {
		size_t len = (size_t)snprintf(buf, n, "Follow-up:");
		int shown = 0;
		for (int c = 0; c < C_COUNT && shown < 3 && len < n; c++)
			if (cond_active(p, c, k) && (conds[c].followup_days || p->c[c].dx_visit == k)) {
				len += (size_t)snprintf(buf + len, n - len, "%s %s", shown ? "," : "", conds[c].name);
				shown++;
			}
		break;
	}
	case VK_ACUTE:
		snprintf(buf, n, "%s", acutes[v->acute].reason);
		break;
	}
}

/* Days to the next visit the plan asks for. */
static int next_due_days(const pat *p, int k)
{
	const visit *v = &p->v[k];
	if (v->kind == VK_ACUTE)
		return 0;
	/* A new diagnosis is seen again soon: a month for blood pressure and
	 * mood, three months for the rest. */
	int soon = 0;
	for (int c = 0; c < C_COUNT; c++)
		if (p->c[c].on && p->c[c].dx_visit == k && !p->c[c].preexisting && conds[c].followup_days) {
			int d = c == C_HTN || c == C_DEPR || c == C_ANX ? 28 : 90;
			soon = soon && soon < d ? soon : d;
		}
	if (soon)
		return soon;
	int fu = 0;
	for (int c = 0; c < C_COUNT; c++)
		if (cond_active(p, c, k) && conds[c].followup_days && (!fu || conds[c].followup_days < fu))
			fu = conds[c].followup_days;
	long d = v->day - p->dob;
	if (d < 3 * 365) {
		for (size_t i = 0; i < EMR_ARRAY_LEN(well_ages); i++)
			if (well_ages[i] > d + 14)
				return well_ages[i] - (int)d;
	}
	int base = 365;
	return fu && fu < base ? fu : base;
}

static int write_encounters(gen *g, pat *p)
{
	for (int k = 0; k < p->nv; k++) {
		visit *v = &p->v[k];
		int b;
		sqlite3_stmt *st = q_row(g, Q_ENC, &b);
		if (!st)
			return -1;
		char reason[160];
		visit_reason(p, k, reason, sizeof reason);
		v->enc = g->next_enc++;
		sqlite3_bind_int64(st, b + 1, v->enc);
		sqlite3_bind_int64(st, b + 2, p->id);
		sqlite3_bind_int64(st, b + 3, g->physician);
		bt(st, b + 4, v->start);
		bt(st, b + 5, v->end);
		bt(st, b + 6, v->tele ? "telehealth" : "office");
		bt(st, b + 7, reason);
		bt(st, b + 8, "finished");
		int due = next_due_days(p, k);
		if (due > 0)
			sqlite3_bind_int(st, b + 9, due);
		bt(st, b + 10, v->start);
	}
	return 0;
}

static int write_problems(gen *g, pat *p)
{
	for (int c = 0; c < C_COUNT; c++) {
		cond_state *s = &p->c[c];
		if (!s->on)
			continue;
		int b;
		sqlite3_stmt *st = q_row(g, Q_PROBLEM, &b);
		if (!st)
			return -1;
		char onset[EMR_DATE_LEN];
		s->problem_id = g->next_problem++;
		const visit *dx = &p->v[s->dx_visit];
		const visit *res = s->resolved_visit >= 0 ? &p->v[s->resolved_visit] : NULL;
		sqlite3_bind_int64(st, b + 1, s->problem_id);
		sqlite3_bind_int64(st, b + 2, p->id);
		bt(st, b + 3, s->icd);
		bt(st, b + 4, icd_desc(g, s->icd));
		if (s->onset != NO_DAY) {
			day_text(s->onset, onset);
			bt(st, b + 5, onset);
		}
		bt(st, b + 6, res ? "resolved" : "active");
		bt(st, b + 7, res ? res->date : NULL);
		sqlite3_bind_int64(st, b + 8, g->physician);
		bt(st, b + 9, dx->start);
		bt(st, b + 10, res ? res->start : dx->start);
	}
	return 0;
}

/* --------------------------------------------------------- observations */

typedef struct vitals {
	bool have, bp, ht_measured, bmi_ok, spo2_taken;
	int sys, dia, hr, rr, spo2;
	double temp, wt, ht, bmi;
} vitals;

static double round_to(double x, double step)
{
	return floor(x / step + 0.5) * step;
}

/* Queues one result and returns its id; 0 when the code is not in the
 * loinc table, -1 on error.  panel -1 = the row is its own panel.  Labs
 * get the table's reference range and a flag; so do adults' vitals, as
 * the charting screens would give them. */
static int64_t put_obs(gen *g, pat *p, const visit *v, enum lo code, double value, int64_t panel,
                       bool flagged, const char *at, int64_t by)
{
	const lo_info *li = &g->lo[code];
	if (!li->present)
		return 0;
	if (li->has_pl && value < li->pl_lo)
		value = li->pl_lo;
	if (li->has_pl && value > li->pl_hi)
		value = li->pl_hi;
	int b;
	sqlite3_stmt *st = q_row(g, Q_OBS, &b);
	if (!st)
		return -1;
	int64_t id = g->next_obs++;
	sqlite3_bind_int64(st, b + 1, id);
	sqlite3_bind_int64(st, b + 2, p->id);
	sqlite3_bind_int64(st, b + 3, v->enc);
	bt(st, b + 4, lo_codes[code]);
	bid(st, b + 5, panel < 0 ? id : panel);
	sqlite3_bind_double(st, b + 6, value);
	bt(st, b + 7, li->unit);
	if (flagged && (li->has_lo || li->has_hi)) {
		if (li->has_lo)
			sqlite3_bind_double(st, b + 8, li->ref_lo);
		if (li->has_hi)
			sqlite3_bind_double(st, b + 9, li->ref_hi);
		bt(st, b + 10, emr_flag_for(value, li->has_lo, li->ref_lo, li->has_hi, li->ref_hi));
	}
	bt(st, b + 11, at);
	bid(st, b + 12, by);
	bt(st, b + 13, at);
	return id;
}

static void offset_instant(const char *start, int minutes, char *out)
{
	time_t t;
	emr_instant_parse(start, &t);
	emr_instant_format(t + 60 * minutes, out);
}

/* Resting heart and breathing rates fall through childhood. */
static void rates_for_age(long age_d, double *hr, double *rr)
{
	static const struct { long days; double hr, rr; } t[] = {
		{28, 142, 42}, {365, 128, 34}, {3 * 365, 112, 27}, {6 * 365, 98, 23},
		{12 * 365, 86, 20}, {18 * 365, 76, 17},
	};
	for (size_t i = 0; i < EMR_ARRAY_LEN(t); i++)
		if (age_d < t[i].days) {
			*hr = t[i].hr;
			*rr = t[i].rr;
			return;
		}
	*hr = 72;
	*rr = 16;
}

static void blood_pressure(const pat *p, int k, double age, vitals *vs, rng *r)
{
	double s, d;
	if (age < 18) {
		s = 92 + 1.3 * age + p->bp_s * 0.7;
		d = 54 + 0.9 * age + p->bp_d * 0.7;
	} else {
		s = 112 + 0.45 * (age - 20) + p->bp_s;
		d = 72 + (age < 60 ? 0.2 * (age - 20) : 8 - 0.2 * (age - 60)) + p->bp_d;
	}
	if (cond_active(p, C_HTN, k)) {
		/* Untreated at diagnosis; on treatment most reach goal, some hover above it. */
		bool treated = cond_treated(p, C_HTN, k);
		s = (treated ? (p->htn_controlled ? 124 : 138) : 150) + 0.5 * p->bp_s;
		d = (treated ? (p->htn_controlled ? 76 : 86) : 94) + 0.5 * p->bp_d;
	}
	vs->sys = (int)round_to(s + 6 * rng_normal(r), 1);
	vs->dia = (int)round_to(d + 4 * rng_normal(r), 1);
	if (vs->dia > vs->sys - 20)
		vs->dia = vs->sys - 20;
}

static void take_vitals(gen *g, pat *p, int k, vitals *vs)
{
	rng *r = &p->r;
	const visit *v = &p->v[k];
	memset(vs, 0, sizeof *vs);
	if (v->tele)
		return;
	long age_d = v->day - p->dob;
	double age = age_years(p, v->day);
	vs->have = true;
	double w = weight_at(p, v->day, g->today) * (1.0 + 0.007 * rng_normal(r));
	vs->wt = age < 2 ? round_to(w, 0.01) : round_to(w, 0.1);
	vs->ht = round_to(height_at(p, v->day) + 0.3 * rng_normal(r), 0.1);
	vs->ht_measured = age < 18 || k == 0 || v->kind == VK_ANNUAL;
	vs->bmi_ok = age >= 2;
	vs->bmi = round_to(vs->wt / (vs->ht / 100.0 * vs->ht / 100.0), 0.1);
	const acute_def *a = v->kind == VK_ACUTE ? &acutes[v->acute] : NULL;
	double t = 36.7 + 0.2 * rng_normal(r);
	if (a && rng_chance(r, a->fever_p))
		t = a->fever_lo + 0.9 * rng_unit(r) + (age < 6 ? 0.4 * rng_unit(r) : 0);
	vs->temp = round_to(t, 0.1);
	double hr, rr;
	rates_for_age(age_d, &hr, &rr);
	if (age >= 18)
		hr = p->hr_base + (cond_active(p, C_AFIB, k) ? 8 + 8 * rng_normal(r) : 0);
	hr += 4 * rng_normal(r) + (vs->temp > 37.5 ? 10 * (vs->temp - 37.0) : 0);
	vs->hr = (int)round_to(hr, 1);
	vs->rr = age >= 18 ? 14 + 2 * rng_int(r, 0, 2) : (int)round_to(rr + 2 * rng_normal(r), 1);
	vs->spo2 = cond_active(p, C_COPD, k) ? rng_int(r, 92, 95) : rng_int(r, 96, 100);
	/* Pulse oximetry is for sick visits and lung disease, not every check-up. */
	vs->spo2_taken = v->kind == VK_ACUTE || cond_active(p, C_COPD, k) || cond_active(p, C_ASTHMA, k) ||
	                 cond_active(p, C_AFIB, k);
	vs->bp = age >= 3;
	if (vs->bp)
		blood_pressure(p, k, age, vs, r);
}

static int write_vitals(gen *g, pat *p, int k, const vitals *vs)
{
	if (!vs->have)
		return 0;
	const visit *v = &p->v[k];
	char at[EMR_INSTANT_LEN];
	offset_instant(v->start, 5, at);
	bool adult = age_years(p, v->day) >= 18;
	int64_t nurse = g->nurse;
	if (vs->bp) {
		int64_t sys = put_obs(g, p, v, LO_SYS, vs->sys, -1, adult, at, nurse);
		if (sys < 0 || put_obs(g, p, v, LO_DIA, vs->dia, sys ? sys : 0, adult, at, nurse) < 0)
			return -1;
	}
	if (put_obs(g, p, v, LO_HR, vs->hr, 0, adult, at, nurse) < 0 ||
	    put_obs(g, p, v, LO_RR, vs->rr, 0, adult, at, nurse) < 0 ||
	    put_obs(g, p, v, LO_TEMP, vs->temp, 0, adult, at, nurse) < 0 ||
	    (vs->spo2_taken && put_obs(g, p, v, LO_SPO2, vs->spo2, 0, adult, at, nurse) < 0) ||
	    put_obs(g, p, v, LO_WT, vs->wt, 0, adult, at, nurse) < 0)
		return -1;
	if (vs->ht_measured && put_obs(g, p, v, LO_HT, vs->ht, 0, adult, at, nurse) < 0)
		return -1;
	if (vs->bmi_ok && put_obs(g, p, v, LO_BMI, vs->bmi, 0, adult, at, nurse) < 0)
		return -1;
	return 0;
}

/* ---------------------------------------------------------------- labs */

typedef struct labs {
	bool lipids, bmp, a1c, tsh;
} lab_order;

/* Which panels are drawn at this visit: adults in the office, by their
 * problems and age, as a primary-care physician would order them. */
static void order_labs(pat *p, int k, lab_order *l)
{
	rng *r = &p->r;
	const visit *v = &p->v[k];
	double age = age_years(p, v->day);
	memset(l, 0, sizeof *l);
	if (age < 18 || v->tele || v->kind == VK_ACUTE || v->kind == VK_WELL)
		return;
	bool dm = cond_active(p, C_T2DM, k), htn = cond_active(p, C_HTN, k), ckd = cond_active(p, C_CKD, k);
	bool hld = cond_active(p, C_HLD, k) || cond_active(p, C_CAD, k);
	bool lipids_due = p->last_lipids == NO_DAY || v->day - p->last_lipids > 300;
	if (v->kind == VK_ANNUAL) {
		l->lipids = lipids_due && (hld || dm || age >= 40) && rng_chance(r, 0.8);
		l->bmp = (htn || dm || ckd || age >= 50 || cond_active(p, C_AFIB, k)) && rng_chance(r, 0.8);
		l->a1c = dm || cond_active(p, C_PREDM, k) || (p->bmi_now >= 30 && age >= 35 && rng_chance(r, 0.5));
		l->tsh = cond_active(p, C_HYPOTHY, k);
	} else {
		l->a1c = dm;
		bool doac = cond_active(p, C_AFIB, k);   /* apixaban dosing needs the creatinine */
		l->bmp = ((dm || ckd || doac) && rng_chance(r, 0.35)) || (htn && rng_chance(r, 0.15));
		l->lipids = hld && lipids_due && rng_chance(r, 0.4);
		l->tsh = cond_active(p, C_HYPOTHY, k) && p->c[C_HYPOTHY].dx_visit == k;
	}
}

static double lab_a1c(const pat *p, int k, rng *r)
{
	if (cond_active(p, C_T2DM, k))
		return cond_treated(p, C_T2DM, k) ? clampd(7.0 + 0.5 * rng_normal(r), 6.0, 9.8)
		                                  : clampd(8.2 + 0.8 * rng_normal(r), 6.6, 11.5);
	if (cond_active(p, C_PREDM, k))
		return clampd(6.0 + 0.2 * rng_normal(r), 5.7, 6.4);
	return clampd(5.3 + 0.2 * rng_normal(r), 4.6, 5.6);
}

static int write_lipids(gen *g, pat *p, int k, const char *at)
{
	rng *r = &p->r;
	const visit *v = &p->v[k];
	bool statin = cond_treated(p, C_HLD, k) || cond_treated(p, C_CAD, k);
	double ldl = statin ? (cond_active(p, C_CAD, k) ? 68 + 10 * rng_normal(r) : 88 + 15 * rng_normal(r))
	                    : cond_active(p, C_HLD, k) ? 165 + 18 * rng_normal(r) : 105 + 20 * rng_normal(r);
	double hdl = (p->female ? 60 : 48) + (p->female ? 10 : 8) * rng_normal(r) -
	             (cond_active(p, C_T2DM, k) || p->bmi_now >= 30 ? 6 : 0);
	double tg = 115 * exp(0.3 * rng_normal(r)) * (cond_active(p, C_T2DM, k) ? 1.4 : 1.0);
	ldl = round_to(clampd(ldl, 35, 240), 1);
	hdl = round_to(clampd(hdl, 22, 110), 1);
	tg = round_to(clampd(tg, 40, 380), 1);
	/* Friedewald: the calculated LDL agrees with the measured three. */
	double tc = round_to(ldl + hdl + tg / 5.0, 1);
	int64_t panel = put_obs(g, p, v, LO_CHOL, tc, -1, true, at, 0);
	if (panel < 0 || put_obs(g, p, v, LO_HDL, hdl, panel, true, at, 0) < 0 ||
	    put_obs(g, p, v, LO_LDL, ldl, panel, true, at, 0) < 0 || put_obs(g, p, v, LO_TG, tg, panel, true, at, 0) < 0)
		return -1;
	p->last_ldl = ldl;
	p->last_lipids = v->day;
	return 0;
}

/* CKD-EPI 2021 creatinine equation (race-free), mL/min/1.73 m2. */
static double egfr(double scr, double age, bool female)
{
	double kappa = female ? 0.7 : 0.9, alpha = female ? -0.241 : -0.302;
	double x = scr / kappa;
	double e = 142.0 * pow(x < 1 ? x : 1, alpha) * pow(x > 1 ? x : 1, -1.2) * pow(0.9938, age);
	return female ? e * 1.012 : e;
}

static int write_bmp(gen *g, pat *p, int k, const char *at, double a1c)
{
	rng *r = &p->r;
	const visit *v = &p->v[k];
	double age = age_years(p, v->day);
	bool ckd = cond_active(p, C_CKD, k);
	double glu = cond_active(p, C_T2DM, k) ? 28.7 * a1c - 46.7 + 12 * rng_normal(r)
	             : cond_active(p, C_PREDM, k) ? 104 + 6 * rng_normal(r) : 88 + 7 * rng_normal(r);
	double bun = ckd ? 27 + 5 * rng_normal(r) : 14 + 3.5 * rng_normal(r) + (age >= 65 ? 3 : 0);
	double cr = ckd ? (p->female ? 1.35 : 1.6) + 0.13 * rng_normal(r) : (p->female ? 0.78 : 0.98) + 0.11 * rng_normal(r);
	cr = round_to(clampd(cr, 0.45, 2.4), 0.01);
	struct { enum lo code; double v; } rows[] = {
		{LO_GLU, round_to(clampd(glu, 65, 320), 1)}, {LO_BUN, round_to(clampd(bun, 6, 45), 1)},
		{LO_CREAT, cr}, {LO_NA, round_to(139 + 1.8 * rng_normal(r), 1)},
		{LO_K, round_to(4.2 + 0.3 * rng_normal(r), 0.1)}, {LO_CL, round_to(103 + 2 * rng_normal(r), 1)},
		{LO_CO2, round_to(26 + 2 * rng_normal(r), 1)}, {LO_CA, round_to(9.4 + 0.3 * rng_normal(r), 0.1)},
	};
	int64_t panel = -1;
	for (size_t i = 0; i < EMR_ARRAY_LEN(rows); i++) {
		int64_t id = put_obs(g, p, v, rows[i].code, rows[i].v, panel, true, at, 0);
		if (id < 0)
			return -1;
		if (panel < 0 && id > 0)
			panel = id;
	}
	/* eGFR, as the laboratory reports it with every creatinine. */
	double e = round_to(egfr(cr, age, p->female), 1);
	return put_obs(g, p, v, LO_EGFR, e, panel > 0 ? panel : 0, true, at, 0) < 0 ? -1 : 0;
}

static int write_labs(gen *g, pat *p, int k, lab_order *l)
{
	rng *r = &p->r;
	const visit *v = &p->v[k];
	order_labs(p, k, l);
	char at[EMR_INSTANT_LEN];
	offset_instant(v->start, v->dur - 5, at);    /* drawn at the end of the visit */
	double a1c = lab_a1c(p, k, r);
	if (l->lipids && write_lipids(g, p, k, at) != 0)
		return -1;
	if (l->a1c) {
		if (put_obs(g, p, v, LO_A1C, round_to(a1c, 0.1), -1, true, at, 0) < 0)
			return -1;
		p->last_a1c = round_to(a1c, 0.1);
	}
	if (l->bmp && write_bmp(g, p, k, at, a1c) != 0)
		return -1;
	if (l->tsh) {
		double tsh = cond_treated(p, C_HYPOTHY, k) ? 2.2 * exp(0.45 * rng_normal(r)) : 8.5 + 2 * rng_normal(r);
		if (put_obs(g, p, v, LO_TSH, round_to(tsh, 0.01), -1, true, at, 0) < 0)
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------------- vaccines */

static const char *vax_code(const gen *g, enum vax x, const char *date)
{
	const vax_def *d = &vax_defs[x];
	bool newer = d->switch_date && strcmp(date, d->switch_date) >= 0;
	return g->cvx[x][newer ? 1 : 0];
}

static const char *vax_maker(const char *cvx)
{
	for (size_t i = 0; i < EMR_ARRAY_LEN(vax_makers); i++)
		if (strcmp(vax_makers[i].cvx, cvx) == 0)
			return vax_makers[i].maker;
	return "";
}

static void vax_site(const pat *p, enum vax x, long day, int dose, const char **site, const char **route)
{
	const char *rt = vax_defs[x].route;
	double age = age_years(p, day);
	bool left = (dose + (int)x) % 2 == 0;
	*route = rt;
	if (strcmp(rt, "PO") == 0)
		*site = "oral";
	else if (age < 1 || (age < 3 && strcmp(rt, "IM") == 0))
		*site = left ? "left thigh" : "right thigh";
	else if (strcmp(rt, "SC") == 0)
		*site = left ? "left arm" : "right arm";
	else
		*site = left ? "left deltoid" : "right deltoid";
}

/* Records one dose; enc 0 for one given elsewhere (from outside records). */
static int put_vax(gen *g, pat *p, enum vax x, int dose, long day, int64_t enc, const char *created)
{
	char date[EMR_DATE_LEN];
	day_text(day, date);
	const char *cvx = vax_code(g, x, date);
	if (!cvx)
		return 0;
	int b;
	sqlite3_stmt *st = q_row(g, Q_IMM, &b);
	if (!st)
		return -1;
	char lot[16] = "";
	const char *site = "", *route = "";
	if (enc) {
		snprintf(lot, sizeof lot, "%c%c%04d", 'A' + rng_int(&p->r, 0, 25), 'A' + rng_int(&p->r, 0, 25),
		         rng_int(&p->r, 0, 9999));
		vax_site(p, x, day, dose, &site, &route);
	}
	sqlite3_bind_int64(st, b + 1, p->id);
	bid(st, b + 2, enc);
	bt(st, b + 3, cvx);
	bt(st, b + 4, date);
	bt(st, b + 5, lot);
	bt(st, b + 6, enc ? vax_maker(cvx) : "");
	bt(st, b + 7, site);
	bt(st, b + 8, route);
	if (dose > 0)
		sqlite3_bind_int(st, b + 9, dose);
	bid(st, b + 10, enc ? g->nurse : 0);
	bt(st, b + 11, created);
	p->vax_day[x] = day;
	p->vax_dose[x] = dose > 0 ? dose : p->vax_dose[x] + 1;
	return 0;
}

/* Childhood doses due before the first visit here, from outside records. */
static int write_outside_vaccines(gen *g, pat *p)
{
	/* Adults' childhood records seldom follow them to a new practice. */
	if (p->nv == 0 || age_years(p, p->v[0].day) >= 18)
		return 0;
	long first = p->v[0].day - p->dob;
	for (size_t i = 0; i < EMR_ARRAY_LEN(child_schedule); i++) {
		int age = child_schedule[i].age;
		enum vax x = child_schedule[i].v;
		if (age >= first || (p->hesitant && age > 0) || (age > 0 && rng_chance(&p->r, 0.03)))
			continue;
		if (child_schedule[i].dose != p->vax_dose[x] + 1)
			continue;
		long day = p->dob + age + (age ? rng_int(&p->r, 0, 10) : 0);
		if (day >= p->v[0].day)
			day = p->v[0].day - 1;
		if (put_vax(g, p, x, child_schedule[i].dose, day, 0, p->v[0].start) != 0)
			return -1;
	}
	return 0;
}

/* Rotavirus has hard age limits: first dose by 15 weeks, last by 8 months. */
static bool vax_allowed(const pat *p, enum vax x, int dose, long age_d, long day)
{
	if (x == VX_RV && (age_d > 243 || (dose == 1 && age_d > 104)))
		return false;
	if ((x == VX_HIB || x == VX_PCV) && age_d >= 5 * 365)
		return false;
	if (x == VX_DTAP && age_d >= 7 * 365)    /* from 7, Tdap instead */
		return false;
	return p->vax_dose[x] == 0 || day - p->vax_day[x] >= 28;
}

static void note_vax(char *list, size_t n, const char *name)
{
	size_t len = strlen(list);
	snprintf(list + len, n - len, "%s%s", len ? ", " : "", name);
}

static int write_vaccines(gen *g, pat *p, int k, char *given, size_t n)
{
	rng *r = &p->r;
	const visit *v = &p->v[k];
	if (v->tele)
		return 0;
	char created[EMR_INSTANT_LEN];
	offset_instant(v->start, v->dur - 5, created);
	long age_d = v->day - p->dob;
	double age = age_years(p, v->day);
	if (v->kind == VK_WELL && !p->hesitant) {
		for (size_t i = 0; i < EMR_ARRAY_LEN(child_schedule); i++) {
			enum vax x = child_schedule[i].v;
			int dose = child_schedule[i].dose;
			/* ACIP's grace period: a dose counts up to 4 days early. */
			if (child_schedule[i].age > age_d + 4 || dose != p->vax_dose[x] + 1 || !vax_allowed(p, x, dose, age_d, v->day))
				continue;
			if (!vax_code(g, x, v->date))
				continue;
			if (put_vax(g, p, x, dose, v->day, v->enc, created) != 0)
				return -1;
			note_vax(given, n, vax_defs[x].name);
		}
	}
	if (v->kind != VK_ACUTE && in_flu_season(v->day) && age_d >= 183 && p->flu_season_given != flu_season(v->day) && !p->hesitant &&
	    rng_chance(r, age >= 65 ? 0.7 : age < 18 ? 0.55 : 0.45)) {
		enum vax x = age >= 65 ? VX_FLU_HD : VX_FLU;
		if (vax_code(g, x, v->date)) {
			if (put_vax(g, p, x, 0, v->day, v->enc, created) != 0)
				return -1;
			note_vax(given, n, vax_defs[x].name);
			p->flu_season_given = flu_season(v->day);
		}
	}
	if (v->kind != VK_ANNUAL || age < 19)
		return 0;
	struct { enum vax x; bool due; int dose; } adult[] = {
		{VX_TDAP, p->vax_dose[VX_TDAP] == 0 && rng_chance(r, 0.08), 1},
		{VX_ZOSTER, age >= 50 && p->vax_dose[VX_ZOSTER] < 2 && (p->vax_dose[VX_ZOSTER] == 1 ? v->day - p->vax_day[VX_ZOSTER] >= 56 : rng_chance(r, 0.3)), p->vax_dose[VX_ZOSTER] + 1},
		{VX_PNEUMO, age >= 65 && p->vax_dose[VX_PNEUMO] == 0 && rng_chance(r, 0.5), 1},
	};
	for (size_t i = 0; i < EMR_ARRAY_LEN(adult); i++) {
		if (!adult[i].due || !vax_code(g, adult[i].x, v->date))
			continue;
		if (put_vax(g, p, adult[i].x, adult[i].dose, v->day, v->enc, created) != 0)
			return -1;
		note_vax(given, n, vax_defs[adult[i].x].name);
	}
	return 0;
}

/* ------------------------------------------------------- prescriptions */

static int insert_med(gen *g, pat *p, const med_def *m, const char *sig, double qty, int start_visit,
                      long stop_day, const char *status, const char *reason, const char *stop_reason,
                      const char *updated)
{
	const visit *v = &p->v[start_visit];
	int b;
	sqlite3_stmt *st = q_row(g, Q_MED, &b);
	if (!st)
		return -1;
	char stop[EMR_DATE_LEN];
	sqlite3_bind_int64(st, b + 1, p->id);
	sqlite3_bind_int64(st, b + 2, v->enc);
	bt(st, b + 3, m->drug);
	bt(st, b + 4, m->strength);
	bt(st, b + 5, m->form);
	bt(st, b + 6, m->route);
	bt(st, b + 7, sig);
	if (qty > 0)
		sqlite3_bind_double(st, b + 8, qty);
	bt(st, b + 9, qty > 0 ? m->unit : "");
	sqlite3_bind_int(st, b + 10, m->rx ? m->refills : 0);
	bt(st, b + 11, v->date);
	if (stop_day != NO_DAY) {
		day_text(stop_day, stop);
		bt(st, b + 12, stop);
	}
	bid(st, b + 13, m->rx ? g->physician : 0);
	sqlite3_bind_int(st, b + 14, m->rx ? 1 : 0);
	bt(st, b + 15, status);
	bt(st, b + 16, reason);
	bt(st, b + 17, stop_reason);
	bt(st, b + 18, v->start);
	bt(st, b + 19, updated ? updated : v->start);
	return 0;
}

static const med_def m_amox_susp = {"amoxicillin", "400 mg/5 mL", "oral suspension", "oral", "", 0, "mL", 0, true, NULL, 10};
static const med_def m_azithro_susp = {"azithromycin", "200 mg/5 mL", "oral suspension", "oral", "", 0, "mL", 0, true, NULL, 5};
static const med_def m_amox_clav = {"amoxicillin / clavulanate", "875 mg / 125 mg", TAB, "oral", "Take 1 tablet by mouth twice daily with food for 7 days", 14, "tablet", 0, true, NULL, 7};
static const med_def m_doxycycline = {"doxycycline hyclate", "100 mg", CAP, "oral", "Take 1 capsule by mouth twice daily with a full glass of water for 7 days", 14, "capsule", 0, true, NULL, 7};
static const med_def m_nitrofurantoin = {"nitrofurantoin (monohydrate/macrocrystals)", "100 mg", CAP, "oral", "Take 1 capsule by mouth twice daily with food for 5 days", 10, "capsule", 0, true, NULL, 5};

/* The smallest stock bottle that holds a course. */
static double bottle_ml(double need, const int *sizes, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (sizes[i] >= need)
			return sizes[i];
	return sizes[n - 1];
}

/* A suspension dose in millilitres: to 0.1 mL under 5 mL (an oral
 * syringe), else to 0.5 mL. */
static double dose_ml(double mg, double mg_per_ml)
{
	double ml = mg / mg_per_ml;
	return ml < 5 ? round_to(ml, 0.1) : round_to(ml, 0.5);
}

/* Weight-based suspension for otitis media (AAP 2013): amoxicillin
 * 90 mg/kg/day in two doses (at most 2 g a dose) for 10 days under 2
 * years, 7 days to 5, 5 days after; azithromycin 10 mg/kg on day 1 then
 * 5 mg/kg for 4 days when a beta-lactam allergy rules amoxicillin and
 * the cephalosporins out. */
static const med_def *otitis_rx(const pat *p, double wt, double age, char *sig, size_t n, double *qty, int *days)
{
	static const int amox_sizes[] = {50, 75, 100, 150, 200, 300};
	static const double azi_sizes[] = {15, 22.5, 30};
	if (p->flags & (1 << AL_BETALACTAM)) {
		double d1 = dose_ml(clampd(10 * wt, 0, 500), 40), d2 = dose_ml(clampd(5 * wt, 0, 250), 40);
		snprintf(sig, n, "Give %.1f mL (%.0f mg) by mouth on day 1, then %.1f mL (%.0f mg) once daily on days 2 to 5",
		         d1, d1 * 40, d2, d2 * 40);
		*qty = azi_sizes[2];
		for (int i = 2; i >= 0; i--)
			if (azi_sizes[i] >= d1 + 4 * d2)
				*qty = azi_sizes[i];
		*days = 5;
		return &m_azithro_susp;
	}
	*days = age < 2 ? 10 : age < 6 ? 7 : 5;
	double ml = dose_ml(clampd(45 * wt, 0, 2000), 80);
	snprintf(sig, n, "Give %.1f mL (%.0f mg) by mouth twice daily for %d days", ml, ml * 80, *days);
	*qty = bottle_ml(ml * 2 * *days, amox_sizes, EMR_ARRAY_LEN(amox_sizes));
	return &m_amox_susp;
}

/* The antibiotic of a sick visit, if it calls for one; its text for the
 * note goes into rx. */
static int write_acute_rx(gen *g, pat *p, int k, const vitals *vs, char *rx, size_t n)
{
	const visit *v = &p->v[k];
	const acute_def *a = &acutes[v->acute];
	if (v->kind != VK_ACUTE || a->antibiotic == ABX_NONE)
		return 0;
	const med_def *m;
	char sig[200];
	double qty;
	int days;
	if (a->antibiotic == ABX_AOM) {
		double wt = vs->have ? vs->wt : weight_at(p, v->day, g->today);
		m = otitis_rx(p, wt, age_years(p, v->day), sig, sizeof sig, &qty, &days);
	} else {
		bool beta = p->flags & (1 << AL_BETALACTAM);
		m = a->antibiotic == ABX_UTI ? &m_nitrofurantoin : beta ? &m_doxycycline : &m_amox_clav;
		snprintf(sig, sizeof sig, "%s", m->sig);
		qty = m->qty;
		days = m->course_days;
	}
	long stop = v->day + days - 1;
	snprintf(rx, n, "%s %s: %s.", m->drug, m->strength, sig);
	return insert_med(g, p, m, sig, qty, k, stop, stop < g->today ? "completed" : "active",
	                  icd_desc(g, a->icd), NULL, NULL);
}

static int write_meds(gen *g, pat *p)
{
	for (int i = 0; i < p->nmeds; i++) {
		const med_state *s = &p->meds[i];
		const char *status = "active", *updated = NULL;
		long stop = course_end(p, s);
		if (s->stop_visit >= 0) {
			status = "stopped";
			stop = p->v[s->stop_visit].day;
			updated = p->v[s->stop_visit].start;
		} else if (stop != NO_DAY) {
			status = stop < g->today ? "completed" : "active";
		}
		if (insert_med(g, p, s->m, s->m->sig, s->m->qty, s->start_visit, stop, status,
		               icd_desc(g, p->c[s->cond].icd), s->stop_visit >= 0 ? s->stop_reason : NULL, updated) != 0)
			return -1;
	}
	return 0;
}

static int write_allergies(gen *g, pat *p)
{
	if (p->nv == 0)
		return 0;
	const visit *v = &p->v[0];
	int n = p->nallergy + (p->nkda ? 1 : 0);
	for (int i = 0; i < n; i++) {
		const allergy_def *a = i < p->nallergy ? &allergy_defs[p->allergy[i]] : NULL;
		int b;
		sqlite3_stmt *st = q_row(g, Q_ALLERGY, &b);
		if (!st)
			return -1;
		sqlite3_bind_int64(st, b + 1, p->id);
		sqlite3_bind_int(st, b + 2, a ? 0 : 1);
		bt(st, b + 3, a ? a->substance : NULL);
		bt(st, b + 4, a ? a->category : "drug");
		bt(st, b + 5, a ? a->reaction : "");
		bt(st, b + 6, a ? a->severity : NULL);
		sqlite3_bind_int64(st, b + 7, g->nurse);
		bt(st, b + 8, v->start);
		bt(st, b + 9, v->start);
	}
	return 0;
}

/* ================================================================ notes */

typedef struct facts {
	char vaccines[200];
	char rx[320];
	lab_order labs;
	int cond[5];        /* conditions this visit addresses */
	int ncond;
} facts;

static void age_phrase(const pat *p, const visit *v, char *buf, size_t n)
{
	emr_age a;
	if (!emr_age_on(p->dob_s, v->date, &a))
		a.days = a.weeks = a.months = a.years = 0;
	if (a.days < 14)
		snprintf(buf, n, "%d-day-old", a.days);
	else if (a.days < 56)
		snprintf(buf, n, "%d-week-old", a.weeks);
	else if (a.years < 2)
		snprintf(buf, n, "%d-month-old", a.months);
	else
		snprintf(buf, n, "%d-year-old", a.years);
}

static const char *noun(const pat *p, double age)
{
	bool f = strcmp(p->sex, "female") == 0, m = strcmp(p->sex, "male") == 0;
	if (age >= 18)
		return f ? "woman" : m ? "man" : "patient";
	if (age < 1)
		return f ? "baby girl" : m ? "baby boy" : "infant";
	return f ? "girl" : m ? "boy" : "child";
}

static void vitals_line(emr_sb *sb, const pat *p, const visit *v, const vitals *vs)
{
	if (!vs->have) {
		emr_sb_append(sb, "Video visit; no vitals taken. Appears well, speaking in full sentences, normal affect.\n");
		return;
	}
	double age = age_years(p, v->day);
	if (vs->bp)
		emr_sb_printf(sb, "BP %d/%d mmHg, ", vs->sys, vs->dia);
	emr_sb_printf(sb, "HR %d/min, RR %d/min, T %.1f °C, ", vs->hr, vs->rr, vs->temp);
	if (vs->spo2_taken)
		emr_sb_printf(sb, "SpO2 %d%%, ", vs->spo2);
	if (age < 2)
		emr_sb_printf(sb, "Wt %.2f kg, length %.1f cm", vs->wt, vs->ht);
	else
		emr_sb_printf(sb, "Wt %.1f kg", vs->wt);
	if (age >= 2 && vs->ht_measured)
		emr_sb_printf(sb, ", Ht %.1f cm", vs->ht);
	if (vs->bmi_ok)
		emr_sb_printf(sb, ", BMI %.1f kg/m2", vs->bmi);
	emr_sb_append(sb, ".\n");
}

static const char *exam_text(const pat *p, const visit *v, rng *r)
{
	long d = v->day - p->dob;
	if (v->kind == VK_ACUTE)
		return acutes[v->acute].exam;
	if (d < 14)
		return rng_chance(r, 0.3) ? "Mild jaundice to the chest. Anterior fontanelle soft and flat. Red reflex present both eyes. Heart regular, no murmur. Hips stable. Cord drying."
		                          : "Pink, active. Anterior fontanelle soft and flat. Red reflex present both eyes. Heart regular, no murmur. Femoral pulses 2+. Hips stable.";
	if (d < 730)
		return "Alert, interactive. Fontanelle soft. TMs clear. Heart regular, no murmur. Lungs clear. Hips stable.";
	if (d < 18 * 365)
		return "Well appearing. TMs clear. Heart regular, no murmur. Lungs clear. Abdomen soft.";
	static const char *const adult[] = {
		"Well appearing. Heart regular, no murmur. Lungs clear. No edema.",
		"Comfortable. Regular rate and rhythm. Lungs clear. No edema.",
		"No distress. Heart sounds normal. Lungs clear. No edema.",
	};
	if (cond_active(p, C_AFIB, (int)(v - p->v)))
		return "No distress. Irregularly irregular rhythm, no murmur. Lungs clear. Trace ankle edema.";
	if (cond_active(p, C_COPD, (int)(v - p->v)))
		return "No distress. Prolonged expiration, scattered faint wheeze. Heart regular. No edema.";
	return PICK(r, adult);
}

static void cap_first(const char *s, char *out, size_t n)
{
	snprintf(out, n, "%s", s);
	if (out[0] >= 'a' && out[0] <= 'z')
		out[0] = (char)(out[0] - 'a' + 'A');
}

/* Which conditions this visit deals with, most pressing first. */
static void addressed(const pat *p, int k, facts *f)
{
	const visit *v = &p->v[k];
	f->ncond = 0;
	int limit = v->kind == VK_ACUTE ? 0 : v->kind == VK_WELL ? 2 : 3;
	for (int pass = 0; pass < 2; pass++)
		for (int c = 0; c < C_COUNT && f->ncond < (int)EMR_ARRAY_LEN(f->cond); c++) {
			if (!cond_active(p, c, k) && p->c[c].resolved_visit != k)
				continue;
			bool is_new = p->c[c].dx_visit == k && !p->c[c].preexisting;
			bool wanted = pass == 0 ? is_new || p->c[c].resolved_visit == k : !is_new && p->c[c].resolved_visit != k;
			if (wanted && (pass == 0 || f->ncond < limit))
				f->cond[f->ncond++] = c;
		}
}

static void med_names(const pat *p, int c, int k, int which, char *buf, size_t n)
{
	/* which: 0 = taken at k, 1 = started at k, 2 = stopped at k */
	buf[0] = '\0';
	size_t len = 0;
	for (int i = 0; i < p->nmeds && len < n; i++) {
		const med_state *s = &p->meds[i];
		if (s->cond != c)
			continue;
		bool taken = s->start_visit <= k && (s->stop_visit < 0 || s->stop_visit > k) &&
		             (!s->m->course_days || course_end(p, s) >= p->v[k].day);
		/* Drugs of problems known at the first visit are continued, not started. */
		bool carried = s->start_visit == k && p->c[c].preexisting;
		bool hit = which == 0 ? taken && (s->start_visit < k || carried)
		         : which == 1 ? s->start_visit == k && !carried : s->stop_visit == k;
		if (hit)
			len += (size_t)snprintf(buf + len, n - len, "%s%s %s", len ? ", " : "", s->m->drug, s->m->strength);
	}
}

static void cond_status(const pat *p, int c, int k, const vitals *vs, char *buf, size_t n)
{
	const cond_state *s = &p->c[c];
	if (s->resolved_visit == k) {
		snprintf(buf, n, "resolved");
	} else if (s->dx_visit == k && !s->preexisting) {
		snprintf(buf, n, "new diagnosis");
	} else if (c == C_HTN && vs->bp) {
		const char *st = vs->sys < 130 && vs->dia < 80 ? "at goal" : vs->sys < 140 && vs->dia < 90 ? "near goal" : "above goal";
		snprintf(buf, n, "BP %d/%d, %s", vs->sys, vs->dia, st);
	} else if (c == C_T2DM && p->last_a1c > 0) {
		snprintf(buf, n, "last HbA1c %.1f%%, %s", p->last_a1c, p->last_a1c < 7.0 ? "at goal" : "above goal");
	} else if (c == C_HLD && p->last_ldl > 0) {
		snprintf(buf, n, "last LDL %.0f mg/dL", p->last_ldl);
	} else {
		snprintf(buf, n, "%s", cond_text[c].well);
	}
}

static const char *plain_advice(int c)
{
	switch (c) {
	case C_PREDM: return "diet and exercise; recheck HbA1c in a year";
	case C_OBESITY: return "nutrition and activity counseling";
	case C_CKD: return "avoid NSAIDs; monitor renal function";
	case C_OSA: return "continue CPAP nightly";
	case C_TOBACCO: return "counseled on quitting for 3 minutes; offered nicotine replacement";
	case C_ATOPIC: return "emollients twice daily";
	case C_ANX: return "therapy referral; breathing and coping skills";
	case C_DEPR: return "therapy referral; PHQ-9 at each visit";
	default: return "monitor";
	}
}

static void plan_line(emr_sb *sb, const pat *p, int c, int k, const vitals *vs)
{
	bool above_goal = c == C_HTN && vs->bp && (vs->sys >= 140 || vs->dia >= 90);
	char started[200], stopped[200], taking[200];
	med_names(p, c, k, 1, started, sizeof started);
	med_names(p, c, k, 2, stopped, sizeof stopped);
	med_names(p, c, k, 0, taking, sizeof taking);
	char name[64];
	cap_first(conds[c].name, name, sizeof name);
	emr_sb_printf(sb, "- %s: ", name);
	if (*stopped) {
		const char *why = "";
		for (int i = 0; i < p->nmeds; i++)
			if (p->meds[i].cond == c && p->meds[i].stop_visit == k && p->meds[i].stop_reason)
				why = p->meds[i].stop_reason;
		emr_sb_printf(sb, "stop %s (%s)%s", stopped, why, *started ? "; " : ".\n");
	}
	if (*started)
		emr_sb_printf(sb, "start %s.\n", started);
	else if (!*stopped && *taking && above_goal)
		emr_sb_printf(sb, "continue %s; low-salt diet, home BP log, recheck next visit.\n", taking);
	else if (!*stopped && *taking)
		emr_sb_printf(sb, "continue %s.\n", taking);
	else if (!*stopped && c == C_ANX && p->c[C_DEPR].on && p->c[C_DEPR].reg && p->c[C_DEPR].reg->m[0])
		emr_sb_append(sb, "treated by the antidepressant above.\n");
	else if (!*stopped)
		emr_sb_printf(sb, "%s.\n", plain_advice(c));
}

static void subjective_well(emr_sb *sb, const pat *p, const visit *v, rng *r)
{
	static const struct { int days; const char *dev; } dev[] = {
		{14, "Feeds well with a good suck; alerts to voices."},
		{45, "Lifts head briefly when prone; follows faces."},
		{100, "Smiles socially and coos."},
		{150, "Laughs, holds head steady, rolls front to back."},
		{240, "Sits with support, babbles, passes toys hand to hand."},
		{330, "Crawls, pulls to stand, says mama and dada."},
		{420, "Cruises along furniture, says 1 to 2 words, pincer grasp."},
		{500, "Walks alone, several words, points to ask."},
		{640, "Says 10 to 20 words, climbs stairs, feeds self with a spoon."},
		{800, "Two-word phrases, runs, kicks a ball."},
		{1100, "Three-word sentences, jumps, names pictures."},
		{1500, "Speaks in sentences, pedals a tricycle, plays with others."},
		{2200, "Dresses self, counts to 10, draws a person."},
		{4400, "Doing well in school; active in sports with friends."},
		{99999, "Doing well in school. Denies tobacco, vaping, alcohol and drugs; feels safe at home."},
	};
	static const char *const feeding[] = {
		"Breastfeeding every 2 to 3 hours.", "Formula feeding about 4 oz every 3 to 4 hours.",
		"Breastfeeding with some formula supplementation.",
	};
	long d = v->day - p->dob;
	if (d < 14)
		emr_sb_printf(sb, "Born at %d weeks by %s delivery; birth weight %.2f kg. ", rng_int(r, 37, 41),
		              rng_chance(r, 0.68) ? "vaginal" : "cesarean", round_to(child_weight(p, 0), 0.01));
	if (d < 183)
		emr_sb_printf(sb, "%s ", PICK(r, feeding));
	else if (d < 365)
		emr_sb_append(sb, "Eating purees and finger foods; still nursing or on formula. ");
	for (size_t i = 0; i < EMR_ARRAY_LEN(dev); i++)
		if (d < dev[i].days) {
			emr_sb_printf(sb, "%s ", dev[i].dev);
			break;
		}
	emr_sb_append(sb, rng_chance(r, 0.7) ? "No concerns today.\n" : "Parent asks about sleep; otherwise no concerns.\n");
}

static void subjective(emr_sb *sb, const pat *p, int k, const facts *f, rng *r)
{
	const visit *v = &p->v[k];
	double age = age_years(p, v->day);
	char ap[32], reason[160];
	age_phrase(p, v, ap, sizeof ap);
	visit_reason(p, k, reason, sizeof reason);
	emr_sb_printf(sb, "## Subjective\n\n**Chief complaint:** %s\n\n%s %s", reason, ap, noun(p, age));
	if (v->kind == VK_WELL) {
		emr_sb_append(sb, " here with a parent. ");
		subjective_well(sb, p, v, r);
		return;
	}
	if (v->kind == VK_ACUTE) {
		emr_sb_append(sb, ". ");
		emr_sb_printf(sb, acutes[v->acute].subj, rng_int(r, 2, 6));
		emr_sb_append(sb, "\n");
		return;
	}
	emr_sb_append(sb, k == 0 ? ", new to the practice; records requested from the prior physician."
	                  : v->tele ? ", seen by video from home for follow-up (identity confirmed by name and date of birth)."
	                  : v->kind == VK_ANNUAL ? " here for an annual exam." : " here for follow-up.");
	for (int i = 0; i < f->ncond && i < 3; i++)
		emr_sb_printf(sb, " %s", cond_text[f->cond[i]].subj[rng_int(r, 0, 2)]);
	emr_sb_append(sb, v->kind == VK_ANNUAL ? " Denies chest pain, dyspnea or change in bowel habits.\n" : "\n");
}

static void assessment(emr_sb *sb, const gen *g, const pat *p, int k, const facts *f, const vitals *vs)
{
	const visit *v = &p->v[k];
	char code[12], st[96];
	int n = 1;
	emr_sb_append(sb, "\n## Assessment\n\n");
	if (v->kind == VK_ACUTE) {
		icd_dot(acutes[v->acute].icd, code, sizeof code);
		emr_sb_printf(sb, "%d. %s (%s).\n", n++, icd_desc(g, acutes[v->acute].icd), code);
	} else if (v->kind == VK_WELL) {
		emr_sb_append(sb, "1. Well child: growing and developing normally.\n");
		n++;
	} else if (v->kind == VK_ANNUAL) {
		emr_sb_append(sb, "1. Annual preventive exam.\n");
		n++;
	}
	for (int i = 0; i < f->ncond; i++) {
		int c = f->cond[i];
		icd_dot(p->c[c].icd, code, sizeof code);
		cond_status(p, c, k, vs, st, sizeof st);
		/* Notes say what a physician writes; the problem list keeps the official wording. */
		char name[64];
		cap_first(conds[c].name, name, sizeof name);
		emr_sb_printf(sb, "%d. %s (%s): %s.\n", n++, name, code, st);
	}
}

static void screening(emr_sb *sb, const pat *p, const visit *v, rng *r)
{
	double age = age_years(p, v->day);
	bool crc = age >= 45 && age < 76, mammo = p->female && age >= 40 && age < 75;
	bool cervix = p->female && age >= 21 && age < 65;
	if (!crc && !mammo && !cervix)
		return;
	emr_sb_append(sb, "- Screening:");
	if (crc)
		emr_sb_append(sb, rng_chance(r, 0.6) ? " colonoscopy up to date;" : " FIT kit given;");
	if (mammo)
		emr_sb_append(sb, rng_chance(r, 0.5) ? " mammogram ordered;" : " mammogram up to date;");
	if (cervix)
		emr_sb_append(sb, " cervical screening up to date;");
	sb->buf[sb->len - 1] = '.';
	emr_sb_append(sb, "\n");
}

static void plan(emr_sb *sb, pat *p, int k, const facts *f, const vitals *vs)
{
	const visit *v = &p->v[k];
	rng *r = &p->r;
	emr_sb_append(sb, "\n## Plan\n\n");
	if (v->kind == VK_ACUTE) {
		emr_sb_printf(sb, "- %s\n", acutes[v->acute].plan);
		if (*f->rx)
			emr_sb_printf(sb, "- Rx: %s\n", f->rx);
	}
	for (int i = 0; i < f->ncond; i++)
		plan_line(sb, p, f->cond[i], k, vs);
	const lab_order *l = &f->labs;
	if (l->lipids || l->bmp || l->a1c || l->tsh)
		emr_sb_printf(sb, "- Labs today:%s%s%s%s.\n", l->lipids ? " lipid panel" : "",
		              l->bmp ? (l->lipids ? ", basic metabolic panel" : " basic metabolic panel") : "",
		              l->a1c ? (l->lipids || l->bmp ? ", HbA1c" : " HbA1c") : "",
		              l->tsh ? (l->lipids || l->bmp || l->a1c ? ", TSH" : " TSH") : "");
	if (*f->vaccines)
		emr_sb_printf(sb, "- Vaccines today: %s (VIS given).\n", f->vaccines);
	else if (v->kind == VK_WELL && p->hesitant)
		emr_sb_append(sb, "- Vaccines declined by parent after discussion of risks and benefits.\n");
	if (v->kind == VK_ANNUAL)
		screening(sb, p, v, r);
	if (v->kind == VK_WELL && v->day - p->dob < 14 && p->vax_dose[VX_HEPB] > 0)
		emr_sb_append(sb, "- Hepatitis B dose 1 given in the nursery.\n");
	if (v->kind == VK_WELL)
		emr_sb_append(sb, v->day - p->dob < 365 ? "- Anticipatory guidance: safe sleep, car seat, feeding.\n"
		                  : "- Anticipatory guidance: nutrition, safety, screen time, dental care.\n");
	int due = next_due_days(p, k);
	if (due >= 60)
		emr_sb_printf(sb, "- Return in %d months.\n", (due + 15) / 30);
	else if (due > 0)
		emr_sb_printf(sb, "- Return in %d weeks.\n", (due + 3) / 7);
	else
		emr_sb_append(sb, "- Return if not improving.\n");
}

static void compose_note(gen *g, pat *p, int k, const facts *f, const vitals *vs)
{
	emr_sb *sb = &g->note;
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
	subjective(sb, p, k, f, &p->r);
	emr_sb_append(sb, "\n## Objective\n\n");
	vitals_line(sb, p, &p->v[k], vs);
	if (vs->have)
		emr_sb_printf(sb, "%s\n", exam_text(p, &p->v[k], &p->r));
	assessment(sb, g, p, k, f, vs);
	plan(sb, p, k, f, vs);
}

static int write_note(gen *g, pat *p, int k)
{
	const visit *v = &p->v[k];
	int b;
	sqlite3_stmt *st = q_row(g, Q_NOTE, &b);
	if (!st)
		return -1;
	char signed_at[EMR_INSTANT_LEN];
	offset_instant(v->end, rng_int(&p->r, 10, 300), signed_at);
	if (strcmp(signed_at, g->now_s) > 0)
		snprintf(signed_at, sizeof signed_at, "%s", g->now_s);
	sqlite3_bind_int64(st, b + 1, v->enc);
	sqlite3_bind_int64(st, b + 2, p->id);
	sqlite3_bind_int64(st, b + 3, g->physician);
	bt(st, b + 4, g->template_name);
	sqlite3_bind_text(st, b + 5, emr_sb_str(&g->note), (int)g->note.len, SQLITE_TRANSIENT);
	bt(st, b + 6, v->draft ? "draft" : "signed");
	bid(st, b + 7, v->draft ? 0 : g->physician);
	bt(st, b + 8, v->draft ? NULL : signed_at);
	bt(st, b + 9, v->start);
	bt(st, b + 10, v->draft ? v->end : signed_at);
	return 0;
}

/* Diagnoses of the visit in claim order: the reason first. */
static int write_diagnoses(gen *g, const pat *p, int k, const facts *f)
{
	const visit *v = &p->v[k];
	const char *codes[12];
	int64_t problems[12];
	int n = 0;
	long d = v->day - p->dob;
	if (v->kind == VK_ACUTE)
		codes[n] = acutes[v->acute].icd, problems[n++] = 0;
	else if (v->kind == VK_WELL)
		codes[n] = d < 8 ? "Z00110" : d < 29 ? "Z00111" : "Z00129", problems[n++] = 0;
	else if (v->kind == VK_ANNUAL)
		codes[n] = "Z0000", problems[n++] = 0;
	for (int i = 0; i < f->ncond && n < 11; i++)
		codes[n] = p->c[f->cond[i]].icd, problems[n++] = p->c[f->cond[i]].problem_id;
	if (*f->vaccines)
		codes[n] = "Z23", problems[n++] = 0;
	for (int i = 0; i < n; i++) {
		int b;
		sqlite3_stmt *st = q_row(g, Q_DX, &b);
		if (!st)
			return -1;
		sqlite3_bind_int64(st, b + 1, v->enc);
		sqlite3_bind_int(st, b + 2, i + 1);
		bt(st, b + 3, codes[i]);
		bid(st, b + 4, problems[i]);
	}
	return 0;
}

static int write_visit(gen *g, pat *p, int k)
{
	facts f;
	memset(&f, 0, sizeof f);
	vitals vs;
	take_vitals(g, p, k, &vs);
	addressed(p, k, &f);
	if (write_vitals(g, p, k, &vs) != 0 || write_labs(g, p, k, &f.labs) != 0 ||
	    write_vaccines(g, p, k, f.vaccines, sizeof f.vaccines) != 0 ||
	    write_acute_rx(g, p, k, &vs, f.rx, sizeof f.rx) != 0 || write_diagnoses(g, p, k, &f) != 0)
		return -1;
	compose_note(g, p, k, &f, &vs);
	return write_note(g, p, k);
}

/* ======================================================== the schedule */

enum { CELL_MIN = 5 };   /* the schedule's grid, in minutes */

static void sched_init(gen *g)
{
	sched *s = &g->sched;
	memset(s, 0, sizeof *s);
	for (int d = 0; d < SCHED_DAYS; d++) {
		long day = g->today + d;
		s->open[d] = clinic_open_on(g, day);
		int free_cells = 0;
		for (int i = 0; i < SCHED_SLOTS; i++) {
			int minute = i * CELL_MIN;
			bool closed = !s->open[d] || minute < g->open_min || minute >= g->close_min ||
			              (minute >= 12 * 60 && minute < 13 * 60);    /* lunch */
			/* Today, only what is at least half an hour away. */
			if (!closed && d == 0 && local_instant(day, minute) < g->now + 30 * 60)
				closed = true;
			s->busy[d][i] = closed;
			free_cells += !closed;
		}
		s->cap[d] = free_cells * 4 / 5;   /* leave room for same-day sick visits */
	}
}

/* Books the first free slot from day offset `from`; returns the day
 * offset and sets *minute, or -1 when the next four weeks are full. */
static int sched_book(gen *g, rng *r, int from, int dur, int *minute)
{
	sched *s = &g->sched;
	int cells = dur / CELL_MIN, step = g->slot_min / CELL_MIN;
	if (step < 1)
		step = 1;
	for (int d = from; d < SCHED_DAYS; d++) {
		if (!s->open[d] || s->booked[d] + cells > s->cap[d])
			continue;
		int starts = SCHED_SLOTS / step, first = rng_int(r, 0, starts - 1);
		for (int j = 0; j < starts; j++) {
			int i = ((first + j) % starts) * step;
			bool ok = i + cells <= SCHED_SLOTS;
			for (int c = 0; ok && c < cells; c++)
				ok = !s->busy[d][i + c];
			if (!ok)
				continue;
			for (int c = 0; c < cells; c++)
				s->busy[d][i + c] = 1;
			s->booked[d] += cells;
			*minute = i * CELL_MIN;
			return d;
		}
	}
	return -1;
}

/* The patient's next appointment, when it falls in the next four weeks. */
static int book_next(gen *g, pat *p)
{
	rng *r = &p->r;
	if (strcmp(p->status, "active") != 0)
		return 0;
	const char *type = "follow-up";
	char reason[160];
	int dur = 15;
	long due;
	if (p->nv == 0) {
		type = "new";
		dur = 30;
		due = g->today + rng_int(r, 1, 21);
		snprintf(reason, sizeof reason, "New patient visit");
	} else {
		int k = p->nv - 1;
		int fu = next_due_days(p, k);
		due = p->v[k].day + (fu ? fu : 365);
		double age = age_years(p, due);
		bool chronic = fu && fu < 365 && age >= 18;
		if (chronic) {
			visit_reason(p, k, reason, sizeof reason);
			if (strncmp(reason, "Follow-up", 9) != 0)
				snprintf(reason, sizeof reason, "Follow-up: chronic conditions");
			dur = rng_chance(r, 0.5) ? 15 : 30;
		} else {
			type = "annual";
			dur = 30;
			snprintf(reason, sizeof reason, "%s", age < 18 ? "Well-child visit" : age >= 65 ? "Annual wellness visit" : "Annual physical");
		}
		if (due < g->today)
			due = rng_chance(r, 0.2) ? g->today + rng_int(r, 1, SCHED_DAYS - 1) : NO_DAY;
		if (due == NO_DAY || due >= g->today + SCHED_DAYS) {
			if (!rng_chance(r, 0.01))
				return 0;
			type = "acute";
			dur = 15;
			due = g->today + rng_int(r, 0, 2);
			snprintf(reason, sizeof reason, "%s", acutes[pick_acute(p, age_years(p, g->today))].reason);
		}
	}
	int minute, d = sched_book(g, r, (int)(due - g->today), dur, &minute);
	if (d < 0)
		return 0;
	char start[EMR_INSTANT_LEN], created[EMR_INSTANT_LEN];
	emr_instant_format(local_instant(g->today + d, minute), start);
	if (p->nv && strcmp(p->v[p->nv - 1].end, g->now_s) < 0 && g->today - p->v[p->nv - 1].day < 400)
		snprintf(created, sizeof created, "%s", p->v[p->nv - 1].end);   /* booked at check-out */
	else
		emr_instant_format(g->now - 3600L * rng_int(r, 1, 240), created);
	if (flush_all(g) != 0)    /* the appointment's patient must be in */
		return -1;
	sqlite3_stmt *st = emr_db_stmt(g->db,
		"INSERT INTO appointments(patient_id, provider_id, start_at, duration_min, type, reason, created_at,"
		" updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, p->id);
	sqlite3_bind_int64(st, 2, g->physician);
	bt(st, 3, start);
	sqlite3_bind_int(st, 4, dur);
	bt(st, 5, p->v[p->nv > 0 ? p->nv - 1 : 0].tele && strcmp(type, "follow-up") == 0 ? "telehealth" : type);
	bt(st, 6, reason);
	bt(st, 7, created);
	return done(g, st, "an appointment");
}

/* ============================================================== setup */

#define DEMO_PRACTICE "Maple Street Family Medicine (demo)"

static int exec(gen *g, const char *sql, const char *doing)
{
	if (sqlite3_exec(emr_db_sqlite(g->db), sql, NULL, NULL, NULL) != SQLITE_OK)
		return emr_db_fail(g->db, doing);
	return 0;
}

static int64_t query_id(gen *g, const char *sql)
{
	sqlite3_stmt *st = emr_db_stmt(g->db, sql);
	if (!st || sqlite3_step(st) != SQLITE_ROW) {
		emr_db_fail(g->db, "demo: reading the new practice");
		return -1;
	}
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return v;
}

static int create_practice(gen *g)
{
	emr_init_opts io = {
		.practice_name = DEMO_PRACTICE,
		.user_login = g->opts->login,
		.user_display_name = "Alex Morgan",
		.user_credentials = "MD",
		.user_npi = "1234567893",   /* the example NPI of the CMS documentation */
		.load_codes = true,
	};
	if (emr_practice_create(g->db, &io) != 0)
		return -1;
	if (exec(g, "UPDATE practice SET address = '350 Maple Street, Suite 2, Somerville, MA 02143',"
	            " phone = '(617) 555-0100', letterhead = 'Maple Street Family Medicine' || char(10) ||"
	            " '350 Maple Street, Suite 2, Somerville, MA 02143' || char(10) ||"
	            " 'Tel (617) 555-0100 · Fax (617) 555-0101' WHERE id = 1", "demo: setting up the practice") != 0)
		return -1;
	g->physician = query_id(g, "SELECT id FROM users WHERE role = 'physician' ORDER BY id LIMIT 1");
	return g->physician > 0 ? 0 : -1;
}

static int add_staff(gen *g)
{
	static const struct { const char *login, *name, *role, *cred; } staff[] = {
		{"gokafor", "Grace Okafor", "nurse", "RN"},
		{"lfernandez", "Lucía Fernández", "frontdesk", ""},
		{"tbecker", "Tom Becker", "biller", "CPC"},
	};
	char physician[65] = "";
	sqlite3_stmt *st = emr_db_stmt(g->db, "SELECT login FROM users WHERE id = ?1");
	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, g->physician);
	if (sqlite3_step(st) == SQLITE_ROW)
		emr_col_copy(st, 0, physician, sizeof physician);
	sqlite3_reset(st);
	for (size_t i = 0; i < EMR_ARRAY_LEN(staff); i++) {
		if (strcmp(staff[i].login, physician) == 0)
			continue;    /* the person running the demo happens to have this login */
		emr_user u;
		memset(&u, 0, sizeof u);
		emr_strlcpy(u.login, staff[i].login, sizeof u.login);
		emr_strlcpy(u.display_name, staff[i].name, sizeof u.display_name);
		emr_strlcpy(u.role, staff[i].role, sizeof u.role);
		emr_strlcpy(u.credentials, staff[i].cred, sizeof u.credentials);
		if (emr_user_add(g->db, &u) != 0)
			return -1;
		if (strcmp(staff[i].role, "nurse") == 0)
			g->nurse = u.id;
	}
	if (!g->nurse)
		g->nurse = g->physician;
	return 0;
}

/* Every user gets the demo passphrase.  The Argon2id string is built by
 * hand from a salt drawn from the seed, so the same seed gives the same
 * database byte for byte; crypto_pwhash_str_verify() accepts it like any
 * other. */
static int set_passphrases(gen *g)
{
	if (sodium_init() < 0) {
		emr_db_set_error(g->db, "demo: libsodium could not be initialised");
		return -1;
	}
	unsigned char salt[crypto_pwhash_SALTBYTES], hash[32];
	rng r = rng_for(g->seed, UINT64_MAX);
	for (size_t i = 0; i < sizeof salt; i++)
		salt[i] = (unsigned char)rng_next(&r);
	const char *pw = EMR_DEMO_PASSPHRASE;
	unsigned long long ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
	size_t mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
	if (crypto_pwhash(hash, sizeof hash, pw, strlen(pw), salt, ops, mem, crypto_pwhash_ALG_ARGON2ID13) != 0) {
		emr_db_set_error(g->db, "demo: out of memory hashing the passphrase");
		return -1;
	}
	char s64[sodium_base64_ENCODED_LEN(crypto_pwhash_SALTBYTES, sodium_base64_VARIANT_ORIGINAL_NO_PADDING)];
	char h64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL_NO_PADDING)];
	char str[crypto_pwhash_STRBYTES];
	sodium_bin2base64(s64, sizeof s64, salt, sizeof salt, sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
	sodium_bin2base64(h64, sizeof h64, hash, sizeof hash, sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
	snprintf(str, sizeof str, "$argon2id$v=19$m=%zu,t=%llu,p=1$%s$%s", mem / 1024, ops, s64, h64);
	sqlite3_stmt *st = emr_db_stmt(g->db, "UPDATE users SET pass_hash = ?1");
	if (!st)
		return -1;
	bt(st, 1, str);
	return done(g, st, "the passphrases");
}

static void load_loinc(gen *g)
{
	for (int i = 0; i < LO_COUNT; i++) {
		lo_info *li = &g->lo[i];
		emr_loinc l;
		li->present = emr_loinc_lookup(g->db, lo_codes[i], &l);
		if (!li->present)
			continue;
		emr_strlcpy(li->unit, l.unit, sizeof li->unit);
		li->has_pl = l.has_plausible;
		li->pl_lo = l.plausible_low;
		li->pl_hi = l.plausible_high;
		li->has_lo = l.has_ref_low;
		li->has_hi = l.has_ref_high;
		li->ref_lo = l.ref_low;
		li->ref_hi = l.ref_high;
	}
}

static int cmp_icd(const void *a, const void *b)
{
	return strcmp(((const icd_entry *)a)->code, ((const icd_entry *)b)->code);
}

static int add_icd(gen *g, const char *code)
{
	for (size_t i = 0; i < g->nicd; i++)
		if (strcmp(g->icd[i].code, code) == 0)
			return 0;
	sqlite3_stmt *st = emr_db_stmt(g->db, "SELECT description FROM icd10cm WHERE code = ?1 AND active = 1");
	if (!st)
		return -1;
	bt(st, 1, code);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		emr_db_set_error(g->db, "demo: ICD-10-CM code %s is not in the loaded release", code);
		return -1;
	}
	g->icd = emr_xrealloc(g->icd, (g->nicd + 1) * sizeof *g->icd);
	emr_strlcpy(g->icd[g->nicd].code, code, sizeof g->icd[0].code);
	g->icd[g->nicd].desc = emr_xstrdup(emr_col_text(st, 0));
	g->nicd++;
	sqlite3_reset(st);
	return 0;
}

/* Every ICD-10-CM code the generator may write, with its official text. */
static int load_icd(gen *g)
{
	for (int c = 0; c < C_COUNT; c++) {
		if (add_icd(g, conds[c].icd) != 0)
			return -1;
		for (size_t i = 0; i < conds[c].nreg; i++)
			if (conds[c].reg[i].icd && add_icd(g, conds[c].reg[i].icd) != 0)
				return -1;
	}
	for (size_t i = 0; i < EMR_ARRAY_LEN(acutes); i++)
		if (add_icd(g, acutes[i].icd) != 0)
			return -1;
	for (size_t i = 0; i < EMR_ARRAY_LEN(extra_icd); i++)
		if (add_icd(g, extra_icd[i]) != 0)
			return -1;
	qsort(g->icd, g->nicd, sizeof *g->icd, cmp_icd);
	return 0;
}

static bool cvx_active(gen *g, const char *code)
{
	sqlite3_stmt *st = emr_db_stmt(g->db, "SELECT 1 FROM cvx WHERE code = ?1 AND active = 1");
	if (!st)
		return false;
	bt(st, 1, code);
	bool yes = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	return yes;
}

/* The first code of each preference list that the cvx table has. */
static void load_cvx(gen *g)
{
	for (int x = 0; x < VX_COUNT; x++)
		for (int era = 0; era < 2; era++) {
			const char *const *list = era && vax_defs[x].switch_date ? vax_defs[x].new_ : vax_defs[x].old;
			g->cvx[x][era] = NULL;
			for (int i = 0; i < 4 && list[i] && !g->cvx[x][era]; i++)
				if (cvx_active(g, list[i]))
					g->cvx[x][era] = list[i];
		}
}

static int load_settings(gen *g, char *zone, size_t nzone)
{
	sqlite3_stmt *st = emr_db_stmt(g->db,
		"SELECT clinic_open, clinic_close, clinic_days, slot_minutes, timezone FROM practice WHERE id = 1");
	if (!st || sqlite3_step(st) != SQLITE_ROW)
		return emr_db_fail(g->db, "demo: reading the practice settings");
	const char *open = emr_col_text(st, 0), *close = emr_col_text(st, 1);
	g->open_min = atoi(open) * 60 + atoi(open + 3);
	g->close_min = atoi(close) * 60 + atoi(close + 3);
	emr_col_copy(st, 2, g->clinic_days, sizeof g->clinic_days);
	g->slot_min = sqlite3_column_int(st, 3);
	emr_col_copy(st, 4, zone, nzone);
	sqlite3_reset(st);
	st = emr_db_stmt(g->db, "SELECT name FROM note_templates WHERE is_default = 1");
	if (st && sqlite3_step(st) == SQLITE_ROW)
		emr_col_copy(st, 0, g->template_name, sizeof g->template_name);
	if (st)
		sqlite3_reset(st);
	if (g->close_min - g->open_min < 60)
		g->close_min = g->open_min + 60;
	return 0;
}

static int next_ids(gen *g)
{
	g->next_patient = query_id(g, "SELECT ifnull(max(id), 0) + 1 FROM patients");
	g->next_enc = query_id(g, "SELECT ifnull(max(id), 0) + 1 FROM encounters");
	g->next_problem = query_id(g, "SELECT ifnull(max(id), 0) + 1 FROM problems");
	g->next_obs = query_id(g, "SELECT ifnull(max(id), 0) + 1 FROM observations");
	return g->next_patient > 0 && g->next_enc > 0 && g->next_problem > 0 && g->next_obs > 0 ? 0 : -1;
}

/* While generating, local times are the practice's: TZ is set to its
 * zone and put back afterwards (the C library has no other way to
 * convert a wall-clock time in a named zone). */
typedef struct tz_saved {
	bool changed;
	char *old;          /* NULL when TZ was unset */
} tz_saved;

static void tz_enter(const char *zone, tz_saved *s)
{
	s->changed = false;
	s->old = NULL;
	const char *cur = getenv("TZ");
	if (!*zone || (cur && strcmp(cur, zone) == 0))
		return;
	s->old = cur ? emr_xstrdup(cur) : NULL;
	setenv("TZ", zone, 1);
	tzset();
	s->changed = true;
}

static void tz_leave(tz_saved *s)
{
	if (!s->changed)
		return;
	if (s->old)
		setenv("TZ", s->old, 1);
	else
		unsetenv("TZ");
	tzset();
	free(s->old);
	s->changed = false;
}

static void set_clock(gen *g)
{
	g->now = emr_now();
	emr_instant_format(g->now, g->now_s);
	struct tm tm;
	localtime_r(&g->now, &tm);
	g->today = day_of(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* ============================================================= driving */

static void plan_patient(gen *g, pat *p, long index)
{
	memset(p, 0, sizeof *p);
	p->r = rng_for(g->seed, (uint64_t)index);
	p->index = index;
	p->id = g->next_patient++;
	p->last_lipids = NO_DAY;
	p->flu_season_given = -1;
	make_identity(g, p);
	make_body(g, p);
	pick_conditions(g, p);
	plan_visits(g, p);
	time_conditions(p);
	link_cad_statin(p);
	settle_kinds(p);
	pick_allergies(g, p);
	plan_meds(g, p);
	settle_status(g, p);
	p->hesitant = age_years(p, g->today) < 18 && rng_chance(&p->r, 0.03) &&
	              index >= (long)EMR_ARRAY_LEN(showcase);
}

static int write_chart(gen *g, pat *p)
{
	if (write_patient(g, p) != 0 || write_encounters(g, p) != 0 || write_problems(g, p) != 0 ||
	    write_outside_vaccines(g, p) != 0)
		return -1;
	for (int k = 0; k < p->nv; k++)
		if (write_visit(g, p, k) != 0)
			return -1;
	if (write_meds(g, p) != 0 || write_allergies(g, p) != 0)
		return -1;
	return book_next(g, p);
}

static int setup(gen *g, tz_saved *tz)
{
	char zone[65] = "";
	if (create_practice(g) != 0 || add_staff(g) != 0 || set_passphrases(g) != 0 || load_icd(g) != 0 ||
	    load_settings(g, zone, sizeof zone) != 0 || next_ids(g) != 0)
		return -1;
	load_loinc(g);
	load_cvx(g);
	tz_enter(zone, tz);
	set_clock(g);
	sched_init(g);
	return 0;
}

/* Bulk loading.  FTS5 flushes its pending index at every statement
 * savepoint, so indexing notes one by one writes a tiny segment per note
 * and spends the run merging them.  The insert trigger is dropped for
 * the load (inside the transaction, so a failure restores it) and the
 * index is built once at the end. */
static int suspend_note_index(gen *g, char **trigger)
{
	*trigger = NULL;
	sqlite3_stmt *st = emr_db_stmt(g->db,
		"SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'notes_fts_insert'");
	if (!st)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		*trigger = emr_xstrdup(emr_col_text(st, 0));
	sqlite3_reset(st);
	return *trigger ? exec(g, "DROP TRIGGER notes_fts_insert", "demo: preparing the note index") : 0;
}

/* Rebuilding with automatic merging off and merging once at the end
 * ('optimize') takes about half as long; automerge is then set back to
 * FTS5's default. */
static int resume_note_index(gen *g, char *trigger)
{
	int rc = 0;
	if (trigger)
		rc = exec(g, trigger, "demo: restoring the note index");
	free(trigger);
	if (rc == 0 && trigger)
		rc = exec(g, "INSERT INTO notes_fts(notes_fts, rank) VALUES ('automerge', 0);"
		             " INSERT INTO notes_fts(notes_fts) VALUES ('rebuild');"
		             " INSERT INTO notes_fts(notes_fts) VALUES ('optimize');"
		             " INSERT INTO notes_fts(notes_fts, rank) VALUES ('automerge', 4)", "demo: indexing the notes");
	return rc;
}

/* ========================================================== billing */

/* The demo's fee schedule: the E/M and preventive codes its visits use,
 * at round fees in the range of US office prices (a practice sets its
 * own; these only have to look plausible). */
static const char demo_fees[] =
	"INSERT INTO fee_schedule(code, code_system, description, fee_cents) VALUES"
	" ('99203', 'CPT', 'Office visit, new patient, low complexity', 17000),"
	" ('99213', 'CPT', 'Office visit, established patient, low complexity', 12500),"
	" ('99214', 'CPT', 'Office visit, established patient, moderate complexity', 18000),"
	" ('99391', 'CPT', 'Preventive visit, established, infant under 1 year', 19000),"
	" ('99392', 'CPT', 'Preventive visit, established, age 1-4', 20000),"
	" ('99393', 'CPT', 'Preventive visit, established, age 5-11', 20000),"
	" ('99394', 'CPT', 'Preventive visit, established, age 12-17', 21000),"
	" ('99395', 'CPT', 'Preventive visit, established, age 18-39', 21000),"
	" ('99396', 'CPT', 'Preventive visit, established, age 40-64', 22000),"
	" ('99397', 'CPT', 'Preventive visit, established, age 65 and over', 24000),"
	" ('36415', 'CPT', 'Collection of venous blood by venipuncture', 1500),"
	" ('90471', 'CPT', 'Immunization administration, first vaccine', 3000)";

/* Charges for the visits of the last 120 days whose note is signed (a
 * visit is billed once it is documented): a preventive
 * code by age (CPT 99391-99397) when the first diagnosis is a Z00
 * health check, else 99214 with two or more diagnoses and 99213 with one;
 * venipuncture when labs were drawn; vaccine administration when a
 * vaccine was given (pointing at its Z23 diagnosis). */
static const char demo_charges[] =
	"WITH v AS (SELECT e.id, e.end_at, p.dob, date(e.start_at, 'localtime') AS d,"
	"  (SELECT icd10 FROM encounter_diagnoses x WHERE x.encounter_id = e.id AND x.rank = 1) AS dx1,"
	"  (SELECT count(*) FROM encounter_diagnoses x WHERE x.encounter_id = e.id) AS ndx"
	"  FROM encounters e JOIN patients p ON p.id = e.patient_id"
	"  WHERE e.status = 'finished' AND e.start_at >= ?1 AND e.end_at <= ?2"
	"  AND EXISTS (SELECT 1 FROM notes n WHERE n.encounter_id = e.id AND n.status = 'signed')),"
	" a AS (SELECT *, (strftime('%Y', d) - strftime('%Y', dob)) - (strftime('%m-%d', d) < strftime('%m-%d', dob))"
	"  AS age FROM v WHERE ndx > 0)"
	" INSERT INTO charges(encounter_id, code, units, fee_cents, dx_pointers, created_at)"
	" SELECT a.id, c.code, 1, f.fee_cents, '1', a.end_at FROM a"
	" JOIN (SELECT a.id AS eid, CASE WHEN a.dx1 GLOB 'Z00*' THEN CASE WHEN age < 1 THEN '99391'"
	"  WHEN age < 5 THEN '99392' WHEN age < 12 THEN '99393' WHEN age < 18 THEN '99394' WHEN age < 40 THEN '99395'"
	"  WHEN age < 65 THEN '99396' ELSE '99397' END WHEN ndx >= 2 THEN '99214' ELSE '99213' END AS code FROM a) c"
	"  ON c.eid = a.id JOIN fee_schedule f ON f.code = c.code"
	" UNION ALL SELECT a.id, '36415', 1, 1500, '1', a.end_at FROM a"
	"  WHERE EXISTS (SELECT 1 FROM observations o JOIN loinc l ON l.code = o.loinc"
	"  WHERE o.encounter_id = a.id AND l.kind = 'lab')"
	" UNION ALL SELECT a.id, '90471', 1, 3000,"
	"  (SELECT CAST(rank AS TEXT) FROM encounter_diagnoses x WHERE x.encounter_id = a.id AND x.icd10 = 'Z23'), a.end_at"
	"  FROM a WHERE EXISTS (SELECT 1 FROM encounter_diagnoses x WHERE x.encounter_id = a.id AND x.icd10 = 'Z23')"
	"  AND EXISTS (SELECT 1 FROM immunizations i WHERE i.encounter_id = a.id)"
	" ORDER BY 1, 2";

/* One invoice per charged visit, issued the day after it, numbered as
 * emr_invoice_issue numbers them (INV- and the row id), with the
 * ledger's charge entry; as if the biller had run `emr invoice issue`. */
static const char demo_invoices[] =
	"INSERT INTO invoices(patient_id, encounter_id, number, service_date, total_cents, issued_at, issued_by)"
	" SELECT e.patient_id, e.id, printf('INV-%06d', row_number() OVER (ORDER BY e.id)),"
	"  date(e.start_at, 'localtime'), sum(c.fee_cents * c.units),"
	"  min(strftime('%Y-%m-%dT%H:%M:%SZ', e.end_at, '+1 day'), ?1), ?2"
	" FROM encounters e JOIN charges c ON c.encounter_id = e.id AND c.status = 'open'"
	" GROUP BY e.id ORDER BY e.id;"
	"UPDATE charges SET status = 'invoiced',"
	" invoice_id = (SELECT i.id FROM invoices i WHERE i.encounter_id = charges.encounter_id)"
	" WHERE status = 'open';"
	"INSERT INTO ledger(patient_id, invoice_id, kind, amount_cents, reference, memo, posted_at, posted_by)"
	" SELECT patient_id, id, 'charge', total_cents, number, 'invoice', issued_at, issued_by FROM invoices ORDER BY id";

/* Payments, spread so that A/R aging has something in every bucket: by
 * a hash of the invoice id, about half are paid in full (insurance or
 * card, 5 to 24 days after issue), a fifth get a $25.00 copay at the
 * desk the day of issue, and the rest are still open. */
static const char demo_payments[] =
	"WITH i AS (SELECT id, patient_id, total_cents, issued_at, issued_by, (id * 2654435761) % 100 AS h FROM invoices),"
	" p AS (SELECT *, CASE WHEN h < 55 THEN total_cents WHEN h < 75 THEN min(2500, total_cents) ELSE 0 END AS paid,"
	"  CASE WHEN h < 55 THEN strftime('%Y-%m-%dT%H:%M:%SZ', issued_at, '+' || (5 + h % 20) || ' days')"
	"  ELSE issued_at END AS at FROM i)"
	" INSERT INTO ledger(patient_id, invoice_id, kind, amount_cents, method, reference, memo, posted_at, posted_by)"
	" SELECT patient_id, id, 'payment', -paid, CASE WHEN h < 55 AND h % 2 = 0 THEN 'insurance' ELSE 'card' END,"
	"  CASE WHEN h < 55 AND h % 2 = 0 THEN printf('ERA-%07d', id) ELSE printf('AUTH-%06d', id * 7919 % 1000000) END,"
	"  CASE WHEN h < 55 THEN 'paid in full' ELSE 'copay' END, at, issued_by"
	" FROM p WHERE paid > 0 AND at <= ?1 ORDER BY at, id";

/* Runs one statement of the billing pass with the bound instants. */
static int billing_step(gen *g, const char *sql, const char *a, const char *b, int64_t user, const char *doing)
{
	sqlite3 *conn = emr_db_sqlite(g->db);
	const char *tail = sql;
	while (tail && *tail) {
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(conn, tail, -1, &st, &tail) != SQLITE_OK)
			return emr_db_fail(g->db, doing);
		if (!st)
			break;
		for (int i = 1; i <= sqlite3_bind_parameter_count(st); i++) {
			const char *name = sqlite3_bind_parameter_name(st, i);
			if (name && strcmp(name, "?1") == 0)
				sqlite3_bind_text(st, i, a, -1, SQLITE_STATIC);
			else if (name && strcmp(name, "?2") == 0 && b)
				sqlite3_bind_text(st, i, b, -1, SQLITE_STATIC);
			else if (name && strcmp(name, "?2") == 0)
				sqlite3_bind_int64(st, i, user);
		}
		int rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return emr_db_fail(g->db, doing);
	}
	return 0;
}

/* The billing of the last four months, so the billing pane, the reports
 * and the reconciliation tests have real money to add up. */
static int write_billing(gen *g)
{
	char from[EMR_INSTANT_LEN];
	emr_instant_format(g->now - 120L * 86400, from);
	if (exec(g, demo_fees, "demo: the fee schedule") != 0 ||
	    billing_step(g, demo_charges, from, g->now_s, 0, "demo: charging the visits") != 0 ||
	    billing_step(g, demo_invoices, g->now_s, NULL, g->physician, "demo: issuing invoices") != 0)
		return -1;
	return billing_step(g, demo_payments, g->now_s, NULL, 0, "demo: posting payments");
}

/* ===================================================== the past schedule */

typedef struct past_visit {
	int64_t enc, patient, provider;
	char start[EMR_INSTANT_LEN];
	int minutes;
	char type[12];
	char reason[160];
} past_visit;

/* The last three weeks of the appointment book as it was: each visit of
 * that time had been booked (status done, and the visit points at its
 * appointment), so the schedule screen shows real past days.  A visit
 * whose time overlaps one already booked stays a walk-in: the schema
 * refuses a double booking that is not an overbook, and the demo does
 * not pretend otherwise. */
static int write_past_schedule(gen *g)
{
	char from[EMR_INSTANT_LEN];
	emr_instant_format(g->now - 21L * 86400, from);
	sqlite3 *conn = emr_db_sqlite(g->db);
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(conn,
	        "SELECT id, patient_id, provider_id, start_at,"
	        " CAST((julianday(end_at) - julianday(start_at)) * 1440 + 0.5 AS INTEGER),"
	        " CASE WHEN type = 'telehealth' THEN 'telehealth' WHEN reason GLOB 'Follow-up*' THEN 'follow-up'"
	        "  WHEN reason GLOB 'Annual*' OR reason GLOB 'Well*' OR reason GLOB 'Newborn*' THEN 'annual' ELSE 'acute' END, reason"
	        " FROM encounters WHERE status = 'finished' AND provider_id IS NOT NULL AND end_at IS NOT NULL"
	        " AND start_at >= ?1 AND end_at <= ?2 AND appointment_id IS NULL ORDER BY start_at, id",
	        -1, &st, NULL) != SQLITE_OK)
		return emr_db_fail(g->db, "demo: reading the past visits");
	sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, g->now_s, -1, SQLITE_STATIC);
	EMR_LIST(past_visit) visits = {0};
	while (sqlite3_step(st) == SQLITE_ROW) {
		past_visit *v = emr_list_push(&visits);
		v->enc = sqlite3_column_int64(st, 0);
		v->patient = sqlite3_column_int64(st, 1);
		v->provider = sqlite3_column_int64(st, 2);
		emr_col_copy(st, 3, v->start, sizeof v->start);
		/* Booked in whole quarter hours. */
		int m = sqlite3_column_int(st, 4);
		v->minutes = m <= 15 ? 15 : m > 480 ? 480 : (m + 14) / 15 * 15;
		emr_col_copy(st, 5, v->type, sizeof v->type);
		emr_col_copy(st, 6, v->reason, sizeof v->reason);
	}
	sqlite3_finalize(st);
	sqlite3_stmt *ins = emr_db_stmt(g->db,
		"INSERT INTO appointments(patient_id, provider_id, start_at, duration_min, type, reason, status,"
		" created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'done',"
		" strftime('%Y-%m-%dT%H:%M:%SZ', ?3, '-14 days'), ?3)");
	sqlite3_stmt *link = emr_db_stmt(g->db, "UPDATE encounters SET appointment_id = ?2 WHERE id = ?1");
	int rc = ins && link ? 0 : -1;
	for (size_t i = 0; i < visits.n && rc == 0; i++) {
		const past_visit *v = &visits.items[i];
		sqlite3_reset(ins);
		sqlite3_bind_int64(ins, 1, v->patient);
		sqlite3_bind_int64(ins, 2, v->provider);
		bt(ins, 3, v->start);
		sqlite3_bind_int(ins, 4, v->minutes);
		bt(ins, 5, v->type);
		bt(ins, 6, v->reason);
		int r = sqlite3_step(ins);
		sqlite3_reset(ins);
		if ((r & 0xff) == SQLITE_CONSTRAINT)
			continue;   /* overlaps an earlier booking: a walk-in */
		if (r != SQLITE_DONE) {
			rc = emr_db_fail(g->db, "demo: booking the past visits");
			break;
		}
		sqlite3_reset(link);
		sqlite3_bind_int64(link, 1, v->enc);
		sqlite3_bind_int64(link, 2, sqlite3_last_insert_rowid(conn));
		if (sqlite3_step(link) != SQLITE_DONE)
			rc = emr_db_fail(g->db, "demo: linking the past visits");
		sqlite3_reset(link);
	}
	emr_list_free(&visits);
	return rc;
}

static int generate(gen *g, long n)
{
	char *trigger;
	if (suspend_note_index(g, &trigger) != 0)
		return -1;
	pat *p = emr_xmalloc(sizeof *p);
	int rc = 0;
	for (long i = 0; i < n && rc == 0; i++) {
		plan_patient(g, p, i);
		rc = write_chart(g, p);
		if (rc == 0 && g->opts->progress && ((i + 1) % 1000 == 0 || i + 1 == n))
			g->opts->progress(i + 1, n, g->opts->progress_arg);
	}
	free(p);
	if (rc == 0)
		rc = flush_all(g);
	if (rc == 0)
		rc = write_billing(g);
	if (rc == 0)
		rc = write_past_schedule(g);
	int rc2 = resume_note_index(g, trigger);
	rc = rc ? rc : rc2;
	if (rc == 0) {
		char detail[96];
		snprintf(detail, sizeof detail, "demo data: %ld synthetic patients (seed %llu)", n,
		         (unsigned long long)g->seed);
		rc = emr_audit(g->db, "import", "patients", 0, 0, detail);
	}
	return rc;
}

static int pragma_value(emr_db *db, const char *sql, char *text, size_t n)
{
	sqlite3_stmt *st = NULL;
	int v = 0;
	if (sqlite3_prepare_v2(emr_db_sqlite(db), sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
		v = sqlite3_column_int(st, 0);
		if (text)
			emr_strlcpy(text, (const char *)sqlite3_column_text(st, 0), n);
	}
	sqlite3_finalize(st);
	return v;
}

/* The connection's settings that a bulk load changes, to put them back. */
typedef struct bulk {
	int cache, temp, sync;
	char journal[16];
} bulk;

/* A demo is one transaction of a gigabyte or so into a new file that
 * nobody else has open.  Rolled back through a journal in memory, its
 * pages are written once, instead of into the WAL and again by the
 * checkpoint; a large cache keeps the index pages it keeps revisiting;
 * statement journals stay in memory; and nothing needs syncing before
 * the end.  All of it is put back afterwards. */
static void bulk_enter(emr_db *db, bulk *b)
{
	b->cache = pragma_value(db, "PRAGMA cache_size", NULL, 0);
	b->temp = pragma_value(db, "PRAGMA temp_store", NULL, 0);
	b->sync = pragma_value(db, "PRAGMA synchronous", NULL, 0);
	snprintf(b->journal, sizeof b->journal, "wal");
	pragma_value(db, "PRAGMA journal_mode", b->journal, sizeof b->journal);
	sqlite3_exec(emr_db_sqlite(db), "PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF;"
	             " PRAGMA cache_size = -262144; PRAGMA temp_store = MEMORY", NULL, NULL, NULL);
}

static void bulk_leave(emr_db *db, const bulk *b)
{
	char sql[200];
	snprintf(sql, sizeof sql, "PRAGMA journal_mode = %s; PRAGMA synchronous = %d; PRAGMA cache_size = %d;"
	         " PRAGMA temp_store = %d", b->journal, b->sync, b->cache, b->temp);
	sqlite3_exec(emr_db_sqlite(db), sql, NULL, NULL, NULL);
}

int emr_demo_generate(emr_db *db, const emr_demo_opts *opts)
{
	gen *g = emr_xcalloc(1, sizeof *g);
	g->db = db;
	g->opts = opts;
	g->seed = opts->seed ? opts->seed : 1;
	long n = opts->patients > 0 ? opts->patients : 200;
	tz_saved tz = {false, NULL};
	bulk b;
	bulk_enter(db, &b);
	int rc = emr_tx_begin(db);
	if (rc == 0) {
		rc = setup(g, &tz);
		if (rc == 0)
			rc = generate(g, n);
		if (rc == 0)
			rc = emr_tx_commit(db);
		else
			emr_tx_rollback(db);
	}
	tz_leave(&tz);
	bulk_leave(db, &b);
	for (size_t i = 0; i < g->nicd; i++)
		free(g->icd[i].desc);
	free(g->icd);
	emr_sb_free(&g->note);
	free(g);
	return rc;
}
