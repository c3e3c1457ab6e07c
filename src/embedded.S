/* Data compiled into the binary, so that emr is one file: the schema, the
 * ICD-10-CM release it ships with, the curated LOINC and CVX tables, and
 * the default note template.  Each blob is followed by a NUL byte so it
 * can also be used as a C string; the *_end symbol points at that NUL.
 * include/emr/embedded.h declares them. */

#define BLOB(name, file)              \
	.section .rodata;             \
	.global name;                 \
	.global name##_end;           \
	.balign 16;                   \
name:	.incbin file;                 \
name##_end: .byte 0

BLOB(emr_schema_sql, "schema.sql")
BLOB(emr_icd10cm_2026, "data/icd10cm/icd10cm_codes_2026.txt")
BLOB(emr_loinc_tsv, "data/loinc.tsv")
BLOB(emr_cvx_tsv, "data/cvx.tsv")
BLOB(emr_soap_template, "data/templates/soap.md")

	.section .note.GNU-stack,"",@progbits
