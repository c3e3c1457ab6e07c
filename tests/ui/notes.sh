#!/bin/sh
# UI tests of visit notes: starting a visit from the chart, writing the
# note in an external editor (scripts stand in for vi: they append a line
# and exit 0, exit 1, or kill themselves), the built-in editor, the pager
# (Markdown, / search, n), signing, addenda, recovery after a crash, a
# version conflict, printing, and the search over every note (F3).
# The real binary in tmux at 80x24; what a person sees, and the database.
here=$(dirname "$0")
. "$here/lib.sh"
ESC=$(printf '\033')

screen_e() { $T capture-pane -p -e -t emr; }
fail_screen() { OUT=$(screen); RC=-; ERR=""; bad "$1"; }
check_e() { # check_e NAME RE: the screen with colours matches RE
	i=0
	while [ $i -lt 50 ]; do
		screen_e | grep -q -- "$2" && { ok "$1"; return; }
		sleep 0.1
		i=$((i + 1))
	done
	fail_screen "$1 (coloured screen lacks: $2)"
}
# check_status NAME TEXT: the status line (messages and questions) shows TEXT.
check_status() {
	i=0
	while [ $i -lt 50 ]; do
		screen | tail -n 1 | grep -q -- "$2" && { ok "$1"; return; }
		sleep 0.1
		i=$((i + 1))
	done
	fail_screen "$1 (status line lacks: $2)"
}
# db_ok NAME QUERY WANT: the database answers WANT.
db_ok() {
	got=$(sql "$2")
	if [ "$got" = "$3" ]; then ok "$1"; else OUT="$got"; RC=-; ERR=""; bad "$1 (wanted: $3)"; fi
}
# db_has NAME QUERY PATTERN: the answer contains PATTERN.
db_has() {
	got=$(sql "$2")
	if printf '%s' "$got" | grep -q -- "$3"; then ok "$1"; else OUT="$got"; RC=-; ERR=""; bad "$1 (lacks: $3)"; fi
}

# Drafts and printouts go under the test's own directory.
HOME="$TMP/home"
XDG_STATE_HOME="$TMP/state"
mkdir -p "$HOME"
export HOME XDG_STATE_HOME

# start_with EDITOR [VAR=VALUE ...]: emr in tmux with that editor.
start_with() {
	ed=$1
	shift
	$T new-session -d -s emr -x "${COLS:-80}" -y "${ROWS:-24}" \
		"env -u VISUAL HOME='$HOME' XDG_STATE_HOME='$XDG_STATE_HOME' EDITOR='$ed' $* EMR_DB='$EMR_DB' EMR_USER=drtest EMR_NOW=$EMR_NOW TZ=$TZ LC_ALL=C.UTF-8 TERM=$TERM '$EMR_BIN'; echo EXITED=\$?; sleep 30"
}

# open_chart QUERY: from the patient list, search and open the first match.
open_chart() {
	wait_for "Find patient" || { fail_screen "the patient list opens"; return 1; }
	$T send-keys -t emr -l "$1"
	sleep 0.3
	$T send-keys -t emr Enter
	wait_for "MRN E0" || { fail_screen "the chart of $1 opens"; return 1; }
}

# The editors.  Each appends to the file it is given, as a person would.
ed() { printf '#!/bin/sh\n%s\n' "$2" >"$TMP/$1"; chmod +x "$TMP/$1"; }
ed append 'cat >>"$1" <<EOF

## Assessment

- acute bronchitis
- rule out asthma

See [GINA](https://ginasthma.org/reports) for the steps.

Patient reports **wheezing** at night, worse with cold air.
EOF'
ed fail 'printf "\nLine written before a failure.\n" >>"$1"; exit 1'
ed kill 'printf "\nLine written before being killed.\n" >>"$1"; kill -9 $$'
ed addendum 'printf "Spirometry ordered for next week.\n" >>"$1"'
ed empty ': >"$1"'
ed phrase 'printf "\nExam: .lungs\n" >>"$1"'
ed call 'printf "\nCalled with the lab results.\n" >>"$1"'
ed slow 'printf "\nRecovered after a crash.\n" >>"$1"; echo $$ >"'"$TMP"'/slow.pid"; exec sleep 30'
# Another session saves the note while this editor has it open.
cat >"$TMP/conflict" <<'EOF'
#!/bin/sh
printf '\nMy text written during the conflict.\n' >>"$1"
id=$(basename "$1" .md)
id=${id#note-}
sqlite3 "$EMR_DB" "update notes set body = 'Text saved by another session.', version = version + 1 where id = $id"
EOF
chmod +x "$TMP/conflict"

# ------------------------------------------------------------ the practice

"$EMR_BIN" init --practice "Riverside Family Medicine" --name "Dana Test" --login drtest --no-codes >/dev/null 2>&1 ||
	{ bad "init"; finish; exit 1; }
e() { "$EMR_BIN" "$@" >/dev/null 2>"$TMP/err" || { RC=$?; ERR=$(cat "$TMP/err"); OUT=""; bad "setup: emr $*"; }; }
printf 'cold air 2026\n' >"$TMP/pass"
e user passwd --passphrase-fd 3 3<"$TMP/pass"
e patient add --given Maria --family Garcia --dob 1990-03-14 --sex female
e allergy add E000001 --substance penicillin --reaction hives --severity moderate
e med add E000001 --drug albuterol --strength "90 mcg" --form "inhaler" --sig "2 puffs every 4 hours as needed"
e vital add E000001 --bp 124/78 --pulse 88 --temp 37.9 --at 2026-11-25T14:30:00Z
e patient add --given Bob --family Builtin --dob 1970-01-01 --sex male
e patient add --given Carla --family Crash --dob 1980-02-02 --sex female
e patient add --given Dora --family Conflict --dob 1985-05-05 --sex female
e patient add --given Nora --family Nonote --dob 1975-07-07 --sex female
e phrase add lungs --text "Lungs clear to auscultation bilaterally."
# A visit recorded without a note (as an imported or scheduled one would be).
sql "insert into encounters(patient_id, start_at, type, reason, created_at)
     select id, '2026-11-20T15:00:00Z', 'phone', 'Lab results call', '2026-11-20T15:00:00Z' from patients where mrn = 'E000005'"

# ------------------------------------------------------------ a visit, written in the editor

start_with "$TMP/append"
open_chart garcia
check "the chart's footer offers a visit" "v visit"
keys v
check "v in the chart starts a visit" "New visit"
check "the visit asks its type" "office visit"
keys Right
check "the type is a choice" "telehealth"
keys Left Tab
$T send-keys -t emr -l "Cough and wheeze"
keys Enter
check "the note opens after the editor" "DRAFT"
check "the pager shows the visit" "Visit 2026-11-25  office  Cough and wheeze"
check "the pager shows the patient" "Garcia, Maria  E000001"
check "the pager shows the author" "Draft by Dana Test"
check "the note starts from the template, prefilled from the chart" "Chief complaint: Cough and wheeze"
check "the pager says how long the note is" "Note  lines 1-17 of"
keys G
check "the text the editor appended is in the pager" "worse with cold air"
absent "a heading is rendered, not shown as Markdown" "## Assessment"
check "a heading's text is shown" "Assessment"
check "a list is rendered with bullets" "acute bronchitis"
absent "list markers are not raw Markdown" "^ *- acute bronchitis"
check "a link shows its URL" "https://ginasthma.org/reports"
absent "bold markers are not shown" "\*\*wheezing\*\*"
check_status "saving says so" "Draft saved"
db_has "the appended text is in the note" "select body from notes where id = 1" "worse with cold air"
db_ok "the note is a draft" "select status from notes where id = 1" "draft"
db_ok "the visit is recorded with its type and reason" "select type || '|' || reason from encounters where reason like 'Cough%'" "office|Cough and wheeze"
[ -z "$(ls "$XDG_STATE_HOME/emr/drafts/" 2>/dev/null | grep '\.md$')" ] && ok "the draft file was removed once saved" ||
	bad "the draft file was removed once saved"

# The pager: / finds, highlights, n goes on and wraps.
keys g
keys /
check_status "/ asks what to find" "Find in the note:"
$T send-keys -t emr -l "wheez"
keys Enter
check_status "the first match is counted" "match 1 of"
check_e "the match is highlighted (reverse video)" "${ESC}\[[0-9;]*7[0-9;]*m\(${ESC}\[[0-9;]*m\)*wheez"
keys n
check_status "n goes to the next match" "match 2 of"
i=0
while [ $i -lt 8 ] && ! screen | tail -n 1 | grep -q "wrapped to the top"; do keys n; i=$((i + 1)); done
check_status "n wraps around to the top with a message" "wrapped to the top"
keys G
check "G goes to the bottom" "worse with cold air"
keys g
check "g goes to the top" "Chief complaint\|Subjective\|Assessment"
keys '?'
check "? lists the pager's keys" "sign the draft (asks first)"
keys q
absent "any key closes the help" "Keys (any other key"

# A resize renders the note again at the new width.
$T resize-window -t emr -x 120 -y 30
check "at 120 columns the note is wrapped again" "Note  lines 1-23 of"
$T resize-window -t emr -x 60 -y 20
check "at 60x20 it still shows" "DRAFT"
$T resize-window -t emr -x 80 -y 24
check "back at 80x24" "Note  lines"
absent "resizing never crashes" "EXITED="

# The chart lists the visit.
keys q
check "back on the chart" "MRN E000001"
check "the Visits pane lists date, type, reason and status" "2026-11-25 office Cough.* draft"
keys q C-q
stop

# ------------------------------------------------------------ editors that fail

start_with "$TMP/fail"
open_chart garcia
keys 7 Enter
check "Enter on a visit opens its note" "DRAFT"
keys e
check_status "an editor that exits 1: the message says the text was kept" "status 1.*kept as the draft"
db_has "the text of the failed editor is saved" "select body from notes where id = 1" "before a failure"
keys C-q
stop

start_with "$TMP/kill"
open_chart garcia
keys 7 Enter
check "the note opens" "DRAFT"
keys e
check_status "an editor killed: the message says the text was kept" "kept as the draft"
db_has "the text of the killed editor is saved" "select body from notes where id = 1" "before being killed"
keys C-q
stop

start_with "$TMP/empty"
open_chart garcia
keys 7 Enter
keys e
check_status "emptying the note asks first" "The note is now empty"
keys n
check_status "declining keeps the note's text" "keeps its text"
db_has "the note still has its text" "select body from notes where id = 1" "worse with cold air"
keys C-q
stop

# Dot-phrases expand when the note is saved.
start_with "$TMP/phrase"
open_chart garcia
keys 7 Enter
keys e
check_status "the phrase editor's text is saved" "Draft saved"
db_has "a dot-phrase is expanded on saving" "select body from notes where id = 1" "Exam: Lungs clear to auscultation bilaterally."
db_ok "the phrase itself is not left in the note" "select count(*) from notes where id = 1 and body like '%.lungs%'" "0"
keys C-q
stop

# A visit without a note: Enter offers to start one.
start_with "$TMP/call"
open_chart nonote
keys 7
check "the visit without a note is listed" "2026-11-20 phone .* -"
keys Enter
check_status "Enter offers to start its note" "This visit has no note. Start one"
keys y
check "its note opens, written from the template" "Visit 2026-11-20  phone  Lab results call"
db_ok "the note belongs to that visit" "select count(*) from notes n join encounters e on e.id = n.encounter_id where e.reason = 'Lab results call' and n.body like '%Called with the lab results%'" "1"
keys C-q
stop

# ------------------------------------------------------------ signing, addenda, printing

start_with "$TMP/addendum"
open_chart garcia
keys 7 Enter
check "the draft opens" "DRAFT"
keys s
check_status "s asks before signing" "Sign this note?"
keys y
check_status "then asks for the passphrase, masked" "Passphrase to sign:"
keys -l "wrong one"
check_status "the passphrase shows as stars" "Passphrase to sign: \*\*\*\*\*\*\*\*\*$"
keys Enter
check_status "a wrong passphrase does not sign" "Not signed: wrong passphrase"
db_ok "still a draft" "select status from notes where id = 1" "draft"
db_ok "the failure is audited" "select count(*) from audit_events where action = 'unlock-failed'" "1"
keys s
check_status "s asks again" "Sign this note?"
keys y
check_status "the passphrase again" "Passphrase to sign:"
keys -l "cold air 2026"
keys Enter
check "the note is signed" "SIGNED"
check "the signer and time are shown" "Signed by Dana Test on 2026-11-25"
db_ok "signed in the database" "select status from notes where id = 1" "signed"
check "the footer offers an addendum" "a addendum"
keys e
check_status "e is refused on a signed note, pointing at a" "signed note cannot change: a adds an addendum"
db_ok "the signed note is unchanged" "select count(*) from notes where id = 1 and body like '%cold air%'" "1"
keys a
check "the pager counts the addendum" "+ 1 addendum"
keys G
check "the addendum appears below the note" "Addendum 1 by Dana Test, 2026-11-25 10:00"
check "with its text" "Spirometry ordered for next week"
db_ok "the addendum is in the database" "select count(*) from note_addenda where note_id = 1" "1"
keys p
check_status "p says where the printout went" "Printed .*~/emr-prints/note-1-2026-11-25\.\(pdf\|txt\)"
f=$(ls "$HOME/emr-prints/" 2>/dev/null | grep '^note-1-2026-11-25\.' | head -1)
[ -n "$f" ] && [ -s "$HOME/emr-prints/$f" ] && ok "the printout file is written ($f)" || bad "the printout file is written"
[ "$(stat -c %a "$HOME/emr-prints")" = 700 ] && ok "the prints directory is private (0700)" || bad "the prints directory is private (0700)"
[ -n "$f" ] && [ "$(stat -c %a "$HOME/emr-prints/$f")" = 600 ] && ok "the printout is private (0600)" || bad "the printout is private (0600)"
# F sets the follow-up, even on a signed note (it is the visit's, not the note's).
keys F
check_status "F asks when to see the patient again" "See again in"
$T send-keys -t emr -l "3x"
keys Enter
check_status "a follow-up that is not a duration is refused in words" "not understood"
keys F
$T send-keys -t emr -l "3m"
keys Enter
check_status "F 3m sets a 90-day follow-up" "Follow-up in 90 days"
check "the note's visit line shows it" "follow-up 90d"
db_ok "the visit has the follow-up" "select followup_days from encounters where reason like 'Cough%'" "90"
keys q
check "the Visits pane shows the note signed, with the signer's initials" "2026-11-25 office Cough.* signed DT"
keys p
check_status "p in the chart prints the summary" "Printed .*summary-E000001-2026-11-25"
keys /
check "/ in the chart searches the patient's notes" "Search the notes of Garcia, Maria"
$T send-keys -t emr -l "spirometry"
keys Enter
keys Escape Escape
keys C-q
stop

# ------------------------------------------------------------ search from the patient list

start_with "$TMP/append"
wait_for "Find patient" >/dev/null
check "the patient list shows F3" "F3 search notes"
keys F3
check "F3 opens the note search" "Search every note"
$T send-keys -t emr -l "wheezing"
keys Enter
check "the search finds the note, with the patient" "Garcia, Maria"
check "the result shows the visit date" "2026-11-25"
check_e "the snippet highlights the match" "${ESC}\[[0-9;]*m\(${ESC}\[[0-9;]*m\)*wheezing"
keys Enter
check "Enter opens the note" "SIGNED"
keys G
check "the opened note is the one found" "worse with cold air"
keys q
check "q goes back to the results" "Search every note"
keys Escape Escape
check "Esc twice goes back to the patient list" "Find patient"
keys C-q
stop

# ------------------------------------------------------------ the built-in editor

start_with "$TMP/append" EMR_EDITOR=builtin
open_chart builtin
keys v Tab
$T send-keys -t emr -l "Ear pain"
keys Enter
check "EMR_EDITOR=builtin opens the built-in editor" "built-in editor"
keys S-End
$T send-keys -t emr -l "Left ear pain, 李伟 qué"
keys Enter
$T send-keys -t emr -l "Second line"
keys Escape
check_status "Esc asks before discarding" "Discard your changes"
keys n
check "no: the text is still there" "Second line"
keys C-s
check "Ctrl-S saves and shows the note" "DRAFT"
keys G
check "the typed text is in the pager" "Left ear pain, 李伟 qué"
db_has "the typed text is saved" "select body from notes n join encounters e on e.id = n.encounter_id where e.reason = 'Ear pain'" "Left ear pain, 李伟 qué"
keys C-q
stop

# An editor that cannot be run: the built-in editor takes over.
start_with "$TMP/no-such-editor"
open_chart builtin
keys 7 Enter
keys e
check "an unrunnable editor falls back to the built-in one" "built-in editor"
check_status "and says why" "No external editor"
keys Escape
keys C-q
stop

# ------------------------------------------------------------ recovery after a crash

start_with "$TMP/slow"
open_chart crash
keys v Tab
$T send-keys -t emr -l "Crash test"
keys Enter
i=0
while [ ! -s "$TMP/slow.pid" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
# emr dies while the editor runs (the pane's shell runs emr through env,
# which execs it: the shell's child is emr).
pane=$($T display-message -p -t emr '#{pane_pid}')
emr_pid=$(pgrep -P "$pane" | head -1)
[ -n "$emr_pid" ] && kill -9 "$emr_pid"
kill "$(cat "$TMP/slow.pid")" 2>/dev/null
stop
db_ok "the crash left the note without the new text" "select count(*) from notes n join encounters e on e.id = n.encounter_id where e.reason = 'Crash test' and n.body like '%Recovered after a crash%'" "0"
start_with "$TMP/append"
open_chart crash
keys 7 Enter
check_status "opening the note offers recovery" "Recover the unsaved text from the last session?"
keys y G
check "the recovered text is in the note" "Recovered after a crash"
db_ok "and in the database" "select count(*) from notes n join encounters e on e.id = n.encounter_id where e.reason = 'Crash test' and n.body like '%Recovered after a crash%'" "1"
keys C-q
stop

# ------------------------------------------------------------ a version conflict

start_with "$TMP/conflict"
open_chart conflict
keys v Tab
$T send-keys -t emr -l "Conflict test"
keys Enter
check_status "a conflict is never overwritten silently: it asks" "Another session saved this note"
keys n
check "the header says where the text is kept" "Unsaved text kept in .*note-[0-9]*\.md"
db_ok "the other session's text stays" "select n.body from notes n join encounters e on e.id = n.encounter_id where e.reason = 'Conflict test'" "Text saved by another session."
grep -qs "My text written during the conflict" "$XDG_STATE_HOME/emr/drafts/"*.md && ok "the user's text is kept in the draft file" ||
	bad "the user's text is kept in the draft file"
keys q
keys 7 Enter
check_status "opening the note again offers the kept text" "Recover the unsaved text"
keys y
db_has "recovering saves it" "select n.body from notes n join encounters e on e.id = n.encounter_id where e.reason = 'Conflict test'" "My text written during the conflict"
keys C-q
stop

finish
