/* normalize: text folding for search.  Names are compared case-folded and
 * without accents, by Unicode rules (libunistring: full case folding, then
 * canonical decomposition with combining marks removed), so "José" and
 * "JOSE" both fold to "jose" and "Nguyễn" to "nguyen".  A few letters that
 * carry no decomposition but are written without their stroke on an
 * ASCII keyboard (đ, ł, ø, æ, œ, ı, ß) are transliterated too.
 *
 * Ownership: returned strings are heap memory the caller frees. */
#ifndef EMR_NORMALIZE_H
#define EMR_NORMALIZE_H

#include <stddef.h>

/* Folded form of s: lower case, no accents.  NULL if s is not UTF-8. */
char *emr_fold(const char *s);

/* Splits folded text into search tokens: runs of letters and digits;
 * apostrophes inside a word are dropped ("O'Brien" -> "obrien") and
 * hyphens split ("Smith-Jones" -> "smith", "jones").  Calls fn for each
 * token; returns the number of tokens, or -1 if s is not UTF-8. */
int emr_tokens(const char *s, void (*fn)(const char *token, void *arg), void *arg);

#endif
