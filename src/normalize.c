/* normalize: case- and accent-insensitive text for search (libunistring). */
#include "emr/normalize.h"

#include "emr/util.h"

#include <stdlib.h>
#include <string.h>
#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

/* Letters with no canonical decomposition that people nonetheless type
 * without the diacritic; folded by hand after case folding. */
static const struct { ucs4_t from; const char *to; } translit[] = {
	{0x0111, "d"},  /* đ (Vietnamese, Croatian) */
	{0x0142, "l"},  /* ł (Polish) */
	{0x00F8, "o"},  /* ø (Danish, Norwegian) */
	{0x00E6, "ae"}, /* æ */
	{0x0153, "oe"}, /* œ */
	{0x0131, "i"},  /* ı (Turkish dotless i) */
	{0x00F0, "d"},  /* ð (Icelandic) */
	{0x00FE, "th"}, /* þ (Icelandic) */
};

char *emr_fold(const char *s)
{
	size_t n = strlen(s);
	if (!emr_utf8_valid(s, n))
		return NULL;
	/* Full case folding then NFD, so that "É" becomes "e" + U+0301 and
	 * "ß" becomes "ss"; the combining marks are then dropped. */
	size_t flen = 0;
	uint8_t *folded = u8_casefold((const uint8_t *)s, n, NULL, UNINORM_NFD, NULL, &flen);
	if (!folded)
		return NULL;
	emr_sb sb = EMR_SB_INIT;
	const uint8_t *p = folded, *end = folded + flen;
	while (p < end) {
		ucs4_t c;
		int len = u8_mbtouc(&c, p, (size_t)(end - p));
		p += len;
		if (uc_is_general_category(c, UC_CATEGORY_M))
			continue;
		const char *repl = NULL;
		for (size_t i = 0; i < EMR_ARRAY_LEN(translit); i++)
			if (translit[i].from == c)
				repl = translit[i].to;
		if (repl)
			emr_sb_append(&sb, repl);
		else
			emr_sb_appendn(&sb, (const char *)p - len, (size_t)len);
	}
	free(folded);
	/* Recompose what is left (Hangul, for one, decomposes without marks). */
	size_t olen = 0;
	char *out_raw = emr_sb_take(&sb);
	uint8_t *nfc = u8_normalize(UNINORM_NFC, (const uint8_t *)out_raw, strlen(out_raw), NULL, &olen);
	free(out_raw);
	if (!nfc)
		return NULL;
	char *out = emr_xmalloc(olen + 1);
	memcpy(out, nfc, olen);
	out[olen] = '\0';
	free(nfc);
	return out;
}

static bool is_word_char(ucs4_t c)
{
	return uc_is_alnum(c) || uc_is_general_category(c, UC_CATEGORY_L) ||
	       uc_is_general_category(c, UC_CATEGORY_N);
}

static bool is_apostrophe(ucs4_t c)
{
	return c == '\'' || c == 0x2019 || c == 0x02BC;
}

int emr_tokens(const char *s, void (*fn)(const char *token, void *arg), void *arg)
{
	char *folded = emr_fold(s);
	if (!folded)
		return -1;
	int count = 0;
	emr_sb tok = EMR_SB_INIT;
	const uint8_t *p = (const uint8_t *)folded, *end = p + strlen(folded);
	while (p <= end) {
		ucs4_t c = 0;
		int len = 1;
		if (p < end)
			len = u8_mbtouc(&c, p, (size_t)(end - p));
		if (p < end && is_word_char(c)) {
			emr_sb_appendn(&tok, (const char *)p, (size_t)len);
		} else if (p < end && is_apostrophe(c) && tok.len > 0) {
			/* O'Brien -> obrien: an apostrophe joins, it does not split. */
		} else if (tok.len > 0) {
			fn(emr_sb_str(&tok), arg);
			count++;
			tok.len = 0;
			tok.buf[0] = '\0';
		}
		p += len;
	}
	emr_sb_free(&tok);
	free(folded);
	return count;
}
