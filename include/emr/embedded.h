/* Data compiled into the binary by src/embedded.S.  Each blob runs from
 * NAME to NAME_end (exclusive) and is followed by a NUL, so NAME is also a
 * valid C string.  The memory is read-only and lives for the whole run. */
#ifndef EMR_EMBEDDED_H
#define EMR_EMBEDDED_H

#include <stddef.h>

extern const char emr_schema_sql[], emr_schema_sql_end[];
extern const char emr_icd10cm_2026[], emr_icd10cm_2026_end[];
extern const char emr_loinc_tsv[], emr_loinc_tsv_end[];
extern const char emr_cvx_tsv[], emr_cvx_tsv_end[];
extern const char emr_soap_template[], emr_soap_template_end[];

#define EMR_BLOB_LEN(name) ((size_t)((name##_end) - (name)))

#endif
