/* The one-line editor under every text field. */
#include <criterion/criterion.h>

#include "emr/lineedit.h"

Test(lineedit, insert_and_move_by_characters)
{
	emr_lineedit le = {0};
	const uint32_t text[] = {'J', 'o', 's', 0xE9}; /* José */
	for (size_t i = 0; i < 4; i++)
		cr_assert(emr_le_insert(&le, text[i]));
	cr_assert_str_eq(emr_le_text(&le), "Jos\xc3\xa9");
	cr_assert_eq(emr_le_cursor_col(&le), 4);
	cr_assert(emr_le_left(&le));
	cr_assert_eq(le.cursor, 3, "one step left skips both bytes of é");
	cr_assert(emr_le_insert(&le, 'x'));
	cr_assert_str_eq(emr_le_text(&le), "Josx\xc3\xa9");
	cr_assert(emr_le_delete(&le));
	cr_assert_str_eq(emr_le_text(&le), "Josx");
	cr_assert_not(emr_le_delete(&le));
	cr_assert(emr_le_backspace(&le));
	cr_assert_str_eq(emr_le_text(&le), "Jos");
	emr_le_free(&le);
}

Test(lineedit, wide_characters_take_two_columns)
{
	emr_lineedit le = {0};
	emr_le_set(&le, "\xe6\x9d\x8e \xe4\xbc\x9f"); /* 李 伟 */
	cr_assert_eq(emr_le_cursor_col(&le), 5);
	emr_le_home(&le);
	emr_le_right(&le);
	cr_assert_eq(emr_le_cursor_col(&le), 2);
	emr_le_free(&le);
}

Test(lineedit, control_characters_are_refused)
{
	emr_lineedit le = {0};
	cr_assert_not(emr_le_insert(&le, 27));
	cr_assert_not(emr_le_insert(&le, 0x9B));
	cr_assert_not(emr_le_insert(&le, 0xD800));
	cr_assert_str_eq(emr_le_text(&le), "");
	emr_le_free(&le);
}

Test(lineedit, limit_is_enforced_in_bytes)
{
	emr_lineedit le = {.max = 3};
	cr_assert(emr_le_insert(&le, 'a'));
	cr_assert(emr_le_insert(&le, 'b'));
	cr_assert_not(emr_le_insert(&le, 0xE9), "two more bytes would pass the limit");
	cr_assert(emr_le_insert(&le, 'c'));
	cr_assert_str_eq(emr_le_text(&le), "abc");
	emr_le_free(&le);
}

Test(lineedit, kill_word_and_line)
{
	emr_lineedit le = {0};
	emr_le_set(&le, "jose  garcia ");
	cr_assert(emr_le_kill_word(&le));
	cr_assert_str_eq(emr_le_text(&le), "jose  ");
	cr_assert(emr_le_kill_word(&le));
	cr_assert_str_eq(emr_le_text(&le), "");
	cr_assert_not(emr_le_kill_word(&le));
	emr_le_set(&le, "abc");
	cr_assert(emr_le_kill_line(&le));
	cr_assert_str_eq(emr_le_text(&le), "");
	cr_assert_eq(le.cursor, 0);
	emr_le_free(&le);
}

Test(lineedit, home_end)
{
	emr_lineedit le = {0};
	emr_le_set(&le, "abc");
	cr_assert(emr_le_home(&le));
	cr_assert_not(emr_le_home(&le));
	cr_assert_not(emr_le_left(&le));
	cr_assert(emr_le_end(&le));
	cr_assert_not(emr_le_right(&le));
	emr_le_free(&le);
}
