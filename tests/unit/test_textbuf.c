/* The buffer of the built-in note editor. */
#include <criterion/criterion.h>

#include "emr/textbuf.h"

#include <stdlib.h>

static void expect_text(const emr_textbuf *tb, const char *want)
{
	char *t = emr_tb_text(tb);
	cr_assert_str_eq(t, want);
	free(t);
}

static void type(emr_textbuf *tb, const char *s)
{
	cr_assert(emr_tb_insert_text(tb, s));
}

Test(textbuf, set_and_text_round_trip)
{
	emr_textbuf tb = {0};
	emr_tb_set(&tb, "## Plan\n\n- rest\n");
	cr_assert_eq(tb.n, 4, "three lines and the empty one after the last newline");
	expect_text(&tb, "## Plan\n\n- rest\n");
	cr_assert_not(tb.modified);
	cr_assert_eq(tb.row, 0);
	cr_assert_eq(tb.col, 0);
	emr_tb_free(&tb);
}

Test(textbuf, set_cleans_control_characters)
{
	emr_textbuf tb = {0};
	emr_tb_set(&tb, "a\r\nb\tc\x1b[31md\x7f\n\xff");
	expect_text(&tb, "a\nb    c[31md\n\xef\xbf\xbd");
	emr_tb_free(&tb);
}

Test(textbuf, an_empty_buffer_takes_typing)
{
	emr_textbuf tb = {0};
	cr_assert(emr_tb_insert(&tb, 'h'));
	cr_assert(emr_tb_insert(&tb, 'i'));
	expect_text(&tb, "hi");
	cr_assert(tb.modified);
	cr_assert_not(emr_tb_blank(&tb));
	emr_tb_free(&tb);
}

Test(textbuf, typing_utf8_and_wide_characters)
{
	emr_textbuf tb = {0};
	emr_tb_set(&tb, "");
	cr_assert(emr_tb_insert(&tb, 0x00E9));   /* é */
	cr_assert(emr_tb_insert(&tb, 0x674E));   /* 李 */
	cr_assert(emr_tb_insert(&tb, 'x'));
	expect_text(&tb, "\xc3\xa9\xe6\x9d\x8ex");
	emr_tb_pos pos;
	int x;
	emr_tb_cursor_pos(&tb, 40, &pos, &x);
	cr_assert_eq(x, 4, "é is 1 column, 李 is 2, x is 1");
	cr_assert(emr_tb_left(&tb));
	cr_assert(emr_tb_left(&tb));
	cr_assert_eq(tb.col, 2, "two steps left skip the three bytes of 李");
	cr_assert(emr_tb_backspace(&tb));
	expect_text(&tb, "\xe6\x9d\x8ex");
	cr_assert(emr_tb_delete(&tb));
	expect_text(&tb, "x");
	emr_tb_free(&tb);
}

Test(textbuf, control_characters_are_refused)
{
	emr_textbuf tb = {0};
	emr_tb_set(&tb, "");
	cr_assert_not(emr_tb_insert(&tb, 27));
	cr_assert_not(emr_tb_insert(&tb, '\n'));
	cr_assert_not(emr_tb_insert(&tb, 0x9B));
	cr_assert_not(emr_tb_insert(&tb, 0xD800));
	cr_assert_not(emr_tb_insert(&tb, 0x110000));
	cr_assert_not(tb.modified);
	emr_tb_free(&tb);
}

Test(textbuf, enter_splits_and_backspace_joins)
{
	emr_textbuf tb = {0};
	emr_tb_set(&tb, "abcdef");
	emr_tb_right(&tb);
	emr_tb_right(&tb);
	emr_tb_right(&tb);
	cr_assert(emr_tb_newline(&tb));
	expect_text(&tb, "abc\ndef");
	cr_assert_eq(tb.row, 1);
	cr_assert_eq(tb.col, 0);
	cr_assert(emr_tb_backspace(&tb));
	expect_text(&tb, "abcdef");
	cr_assert_eq(tb.row, 0);
	cr_assert_eq(tb.col, 3);
	emr_tb_top(&tb);
	cr_assert_not(emr_tb_backspace(&tb), "nothing before the start");
	emr_tb_free(&tb);
}

Test(textbuf, delete_at_the_end_of_a_line_joins_the_next)
{
	emr_textbuf tb = {0};
	emr_tb_set(&tb, "ab\ncd");
	emr_tb_end(&tb);
	cr_assert(emr_tb_delete(&tb));
	expect_text(&tb, "abcd");
	emr_tb_bottom(&tb);
	cr_assert_not(emr_tb_delete(&tb), "nothing after the end");
	emr_tb_free(&tb);
}

Test(textbuf, left_and_right_cross_line_ends)
{
	emr_textbuf tb = {0};
	emr_tb_set(&tb, "ab\ncd");
	emr_tb_end(&tb);
	cr_assert(emr_tb_right(&tb));
	cr_assert_eq(tb.row, 1);
	cr_assert_eq(tb.col, 0);
	cr_assert(emr_tb_left(&tb));
	cr_assert_eq(tb.row, 0);
	cr_assert_eq(tb.col, 2);
	emr_tb_top(&tb);
	cr_assert_not(emr_tb_left(&tb));
	emr_tb_bottom(&tb);
	cr_assert_not(emr_tb_right(&tb));
	emr_tb_free(&tb);
}

Test(textbuf, home_and_end)
{
	emr_textbuf tb = {0};
	emr_tb_set(&tb, "hello");
	cr_assert_not(emr_tb_home(&tb));
	cr_assert(emr_tb_end(&tb));
	cr_assert_eq(tb.col, 5);
	cr_assert_not(emr_tb_end(&tb));
	cr_assert(emr_tb_home(&tb));
	emr_tb_free(&tb);
}

Test(textbuf, up_and_down_keep_the_column)
{
	emr_textbuf tb = {0};
	emr_tb_set(&tb, "abcdef\nxy\n123456");
	for (int i = 0; i < 5; i++)
		emr_tb_right(&tb);
	cr_assert(emr_tb_down(&tb, 80));
	cr_assert_eq(tb.row, 1);
	cr_assert_eq(tb.col, 2, "a short line puts the cursor at its end");
	cr_assert(emr_tb_down(&tb, 80));
	cr_assert_eq(tb.row, 2);
	cr_assert_eq(tb.col, 5, "the column comes back on a long line");
	cr_assert(emr_tb_down(&tb, 80), "down on the last row goes to its end");
	cr_assert_eq(tb.col, 6);
	cr_assert_not(emr_tb_down(&tb, 80));
	emr_tb_top(&tb);
	cr_assert_not(emr_tb_up(&tb, 80));
	emr_tb_free(&tb);
}

Test(textbuf, up_and_down_by_display_columns)
{
	emr_textbuf tb = {0};
	emr_tb_set(&tb, "\xe6\x9d\x8e\xe4\xbc\x9f\nabcd");   /* 李伟 / abcd */
	emr_tb_bottom(&tb);
	emr_tb_left(&tb);   /* column 3 */
	cr_assert(emr_tb_up(&tb, 80));
	cr_assert_eq(tb.row, 0);
	cr_assert_eq(tb.col, 3, "column 3 falls inside 伟: the cursor stays before it");
	emr_tb_free(&tb);
}

Test(textbuf, rows_wrap_at_words)
{
	const char *s = "the quick brown fox";
	size_t n = strlen(s);
	cr_assert_eq(emr_tb_row_end(s, n, 0, 10), 10, "\"the quick \" fits ten columns");
	cr_assert_eq(emr_tb_row_end(s, n, 10, 10), n);
	cr_assert_eq(emr_tb_row_end(s, n, 0, 4), 4, "a space at the edge stays on its row");
	cr_assert_eq(emr_tb_row_end("abcdefgh", 8, 0, 3), 3, "no space: a hard break");
	cr_assert_eq(emr_tb_row_end("", 0, 0, 3), 0);
}

Test(textbuf, a_wide_character_never_splits)
{
	const char *s = "ab\xe6\x9d\x8e";   /* ab李: 4 columns */
	cr_assert_eq(emr_tb_row_end(s, strlen(s), 0, 3), 2, "李 goes to the next row whole");
	cr_assert_eq(emr_tb_row_end(s, strlen(s), 2, 1), 5, "wider than the row: it goes alone");
}

Test(textbuf, moving_by_screen_rows_in_a_wrapped_line)
{
	emr_textbuf tb = {0};
	emr_tb_set(&tb, "aaaa bbbb cccc\nz");
	cr_assert_eq(emr_tb_line_rows(&tb, 0, 5), 3);
	cr_assert_eq(emr_tb_line_rows(&tb, 1, 5), 1);
	emr_tb_right(&tb);
	emr_tb_right(&tb);
	cr_assert(emr_tb_down(&tb, 5));
	cr_assert_eq(tb.row, 0, "still in the same line, one screen row down");
	cr_assert_eq(tb.col, 7);
	emr_tb_pos pos;
	int x;
	emr_tb_cursor_pos(&tb, 5, &pos, &x);
	cr_assert_eq(pos.start, 5);
	cr_assert_eq(x, 2);
	cr_assert(emr_tb_down(&tb, 5));
	cr_assert_eq(tb.col, 12);
	cr_assert(emr_tb_down(&tb, 5));
	cr_assert_eq(tb.row, 1);
	cr_assert_eq(tb.col, 1, "the end of the short last line");
	cr_assert(emr_tb_up(&tb, 5));
	cr_assert_eq(tb.row, 0);
	cr_assert_eq(tb.col, 12, "the column kept from before");
	emr_tb_free(&tb);
}

Test(textbuf, the_end_of_a_wrapped_row_belongs_to_the_next)
{
	emr_textbuf tb = {0};
	emr_tb_set(&tb, "aaaa bbbb");
	emr_tb_end(&tb);
	cr_assert(emr_tb_up(&tb, 5));
	cr_assert_eq(tb.col, 4, "up from column 4 stops before the space that ends the row");
	emr_tb_free(&tb);
}

Test(textbuf, page_moves_by_rows)
{
	emr_textbuf tb = {0};
	emr_tb_set(&tb, "1\n2\n3\n4\n5\n6\n7\n8\n9");
	cr_assert(emr_tb_page_down(&tb, 80, 4));
	cr_assert_eq(tb.row, 4);
	cr_assert(emr_tb_page_down(&tb, 80, 10));
	cr_assert_eq(tb.row, 8);
	cr_assert(emr_tb_page_up(&tb, 80, 3));
	cr_assert_eq(tb.row, 5);
	emr_tb_free(&tb);
}

Test(textbuf, scrolling_keeps_the_cursor_shown)
{
	emr_textbuf tb = {0};
	emr_tb_set(&tb, "1\n2\n3\n4\n5\n6\n7\n8\n9");
	emr_tb_pos top = {0, 0};
	emr_tb_scroll(&tb, 80, 3, &top);
	cr_assert_eq(top.line, 0);
	for (int i = 0; i < 5; i++)
		emr_tb_down(&tb, 80);
	emr_tb_scroll(&tb, 80, 3, &top);
	cr_assert_eq(top.line, 3, "the cursor on line 5 is the last of three rows");
	emr_tb_top(&tb);
	emr_tb_scroll(&tb, 80, 3, &top);
	cr_assert_eq(top.line, 0);
	emr_tb_free(&tb);
}

Test(textbuf, scrolling_counts_wrapped_rows)
{
	emr_textbuf tb = {0};
	emr_tb_set(&tb, "aaaa bbbb cccc dddd\nz");
	emr_tb_bottom(&tb);
	emr_tb_pos top = {0, 0};
	emr_tb_scroll(&tb, 5, 2, &top);
	cr_assert_eq(top.line, 0);
	cr_assert_eq(top.start, 15, "the last row of the long line, then z");
	emr_tb_free(&tb);
}

Test(textbuf, scrolling_survives_a_shrinking_text)
{
	emr_textbuf tb = {0};
	emr_tb_set(&tb, "a");
	emr_tb_pos top = {40, 3};
	emr_tb_scroll(&tb, 80, 10, &top);
	cr_assert_eq(top.line, 0);
	cr_assert_eq(top.start, 0);
	emr_tb_free(&tb);
}

Test(textbuf, paste_with_newlines)
{
	emr_textbuf tb = {0};
	emr_tb_set(&tb, "AB");
	emr_tb_right(&tb);
	type(&tb, "1\r\n2\t3");
	expect_text(&tb, "A1\n2    3B");
	cr_assert_eq(tb.row, 1);
	emr_tb_free(&tb);
}

Test(textbuf, blank_and_clean)
{
	emr_textbuf tb = {0};
	emr_tb_set(&tb, "  \n \n");
	cr_assert(emr_tb_blank(&tb));
	emr_tb_insert(&tb, 'x');
	cr_assert(tb.modified);
	emr_tb_mark_clean(&tb);
	cr_assert_not(tb.modified);
	emr_tb_free(&tb);
}
