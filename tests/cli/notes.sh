#!/bin/sh
# Visits and their notes from the command line: starting a visit with its
# prefilled draft, editing in scripted editors (that succeed, fail, are
# killed, or kill emr itself), dot-phrases, signing, addenda, templates,
# search, 1 MB notes and text that is not UTF-8.
here=$(dirname "$0")
. "$here/lib.sh"

export XDG_STATE_HOME="$TMP/state"
DRAFTS="$XDG_STATE_HOME/emr/drafts"
unset VISUAL

# same NAME FILE TEXT: TEXT equals the content of FILE (trailing newlines aside).
same() {
	if [ "$(cat "$2")" = "$3" ]; then ok "$1"; else
		FAIL=$((FAIL + 1)); printf 'FAIL  %s\n' "$1"
		printf '%s\n' "$3" >"$TMP/actual"; diff "$2" "$TMP/actual" | head -20 | sed 's/^/      /'
	fi
}
body() { sql "SELECT body FROM notes WHERE id = $1"; }
version() { sql "SELECT version FROM notes WHERE id = $1"; }
# editor NAME SCRIPT: writes an editor script and makes it $EDITOR.
editor() {
	printf '#!/bin/sh\n%s\n' "$2" >"$TMP/$1"
	chmod +x "$TMP/$1"
	EDITOR="$TMP/$1"; export EDITOR
}

run init --practice "Riverside Family Medicine" --name "Dana Test" --login drtest --credentials MD
expect "init" 0 "created"
run patient add --given José --family García --dob 1974-03-14 --sex male
run problem add E000001 --icd10 E11.9 --onset 2019-04-01
run allergy add E000001 --substance penicillin --reaction hives --severity severe
run med add E000001 --drug metformin --strength "500 mg" --form "oral tablet" --sig "Take 1 tablet twice daily"
run vital add E000001 --bp 128/82 --pulse 72 --temp 37.0 --resp 16 --spo2 98 --weight 80 --height 175
run lab add E000001 --loinc 4548-4 --value 7.4 --at 2026-05-20T14:00:00Z
expect "chart set up" 0
run patient add --given Zoë --family Nguyễn --dob 2001-05-06 --sex female

# ---------------------------------------------------------------- visits
run visit add E000001 --reason "Follow-up of diabetes"
expect "visit add starts a visit and its draft" 0 "visit 1 started for E000001 (office); draft note 1"
cat >"$TMP/soap.expected" <<'EOF'
## Subjective

**Chief complaint:** Follow-up of diabetes

History of present illness:

## Objective

BP 128/82 mm[Hg], pulse 72 /min, temp 37.0 Cel, RR 16 /min, SpO2 98 %, weight 80.0 kg, height 175.0 cm, BMI 26.1 kg/m2

**Recent labs:**

- HbA1c 7.4 % (H, 2026-05-20)

## Assessment

- E11.9 Type 2 diabetes mellitus without complications (since 2019)

## Plan

**Medications:**
- metformin 500 mg oral tablet: Take 1 tablet twice daily

**Allergies:** penicillin (hives, severe)

Follow-up:
EOF
same "the draft is the SOAP template prefilled from the chart" "$TMP/soap.expected" "$(body 1)"
[ "$(sql 'SELECT template FROM notes WHERE id = 1')" = soap ] && ok "the note records its template" || bad "the note records its template"

run visit add E000001 --type spa
expect "a bad visit type is refused" 1 "" 'type "spa": must be office'
run visit add E000001 --template nosuch
expect "an unknown template is refused" 1 "" 'template "nosuch"'
[ "$(sql 'SELECT count(*) FROM encounters')" = 1 ] && ok "refused visits wrote nothing" || bad "refused visits wrote nothing"
run visit add E000099
expect "an unknown patient is refused" 1 "" "no such MRN or id"
run visit add
expect "visit add needs a patient" 2 "" "needs a PATIENT"

run visit add E000002 --type telehealth --reason "Cough"
expect "a telehealth visit" 0 "visit 2 started for E000002 (telehealth); draft note 2"
printf '%s' "$(body 2)" | grep -q "^\*\*Allergies:\*\* not recorded$" && ok "an empty chart says not recorded" || bad "an empty chart says not recorded"

run visit list E000001
expect "visit list" 0 "Follow-up of diabetes"
expect "visit list shows the note's status" 0 "draft"
run visit list E000001 --json
expect "visit list --json" 0 '"status": "draft"'
run visit list E000002 --csv
expect "visit list --csv" 0 "id,date,start_at,type,reason,note_id,status,signer"

# ------------------------------------------------------ the editor, safely
editor ed-ok.sh 'printf "Seen today.\n" > "$1"'
run note edit 1
expect "an editor that exits 0 saves the text" 0 "saved note 1 (version 2)"
[ "$(body 1)" = "Seen today." ] && ok "the new text is the draft" || bad "the new text is the draft"
[ -z "$(ls -A "$DRAFTS" | grep '\.md$')" ] && ok "the draft file is removed once saved" || bad "the draft file is removed once saved"
[ "$(stat -c %a "$DRAFTS")" = 700 ] && ok "the drafts directory is private" || bad "the drafts directory is private"

editor ed-fail.sh 'printf "Typed, then the editor failed.\n" > "$1"; exit 1'
run note edit 1
expect "an editor that exits 1: the text is kept" 0 "saved note 1" "the editor exited with status 1; your text was kept as the draft"
[ "$(body 1)" = "Typed, then the editor failed." ] && ok "the failed editor's text is the draft" || bad "the failed editor's text is the draft"

EDITOR='sh -c "printf \"Typed, then killed.\n\" > \"\$1\"; kill -9 \$\$" sh'
run note edit 1
expect "a killed editor: the text is kept" 0 "saved note 1" "killed by signal 9 (SIGKILL); your text was kept as the draft"
[ "$(body 1)" = "Typed, then killed." ] && ok "the killed editor's text is the draft" || bad "the killed editor's text is the draft"

EDITOR="$TMP/no-such-editor"
v=$(version 1)
run note edit 1
expect "an editor that does not exist is an error" 1 "" "could not be started"
[ "$(version 1)" = "$v" ] && ok "nothing saved without an editor" || bad "nothing saved without an editor"

EDITOR=true
run note edit 1
expect "an untouched note is unchanged" 0 "note 1 unchanged"

# emr itself dies while the note is open: the text waits in the drafts.
editor ed-crash.sh 'printf "Typed before emr died.\n" > "$1"; kill -9 $PPID'
run note edit 1
[ "$RC" = 137 ] && ok "emr was killed mid-edit" || bad "emr was killed mid-edit"
[ "$(body 1)" = "Typed, then killed." ] && ok "the database still has the last saved draft" || bad "the database still has the last saved draft"
[ "$(cat "$DRAFTS/note-1.md")" = "Typed before emr died." ] && ok "the typed text is in the draft file" || bad "the typed text is in the draft file"
[ "$(stat -c %a "$DRAFTS/note-1.md")" = 600 ] && ok "the draft file is mode 0600" || bad "the draft file is mode 0600"
EDITOR=true
run note edit 1 </dev/null
expect "the next edit offers the recovery (refuses without a terminal)" 1 "" "unsaved text from an editing session that did not finish"
expect "the message says how to recover" 1 "" "emr note edit 1 --recover"
run note sign 1
expect "signing waits for the recovery" 1 "" "recover it first"
run note edit 1 --recover
expect "--recover takes the text" 0 "saved note 1"
[ "$(body 1)" = "Typed before emr died." ] && ok "the recovered text is the draft" || bad "the recovered text is the draft"
[ ! -e "$DRAFTS/note-1.md" ] && ok "the recovered file is removed" || bad "the recovered file is removed"
run note edit 1 --recover
expect "--recover with nothing to recover" 1 "" "no unsaved text to recover"

editor ed-crash2.sh 'printf "To be dropped.\n" > "$1"; kill -9 $PPID'
run note edit 1
EDITOR=true
run note edit 1 --discard
expect "--discard drops the leftover" 0 "note 1 unchanged" "discarded the unsaved text"
[ "$(body 1)" = "Typed before emr died." ] && ok "the discarded text is not saved" || bad "the discarded text is not saved"

# --------------------------------------------------- text that is refused
printf 'caf\351 au lait\n' >"$TMP/latin1.md"
v=$(version 1)
run note edit 1 --file "$TMP/latin1.md"
expect "a file that is not UTF-8 is refused" 1 "" "not valid UTF-8 text; nothing was saved"
printf 'a\000b\n' >"$TMP/nul.md"
run note edit 1 --file "$TMP/nul.md"
expect "NUL bytes are refused" 1 "" "NUL bytes"
editor ed-latin1.sh 'printf "caf\351\n" > "$1"'
run note edit 1
expect "an editor's invalid UTF-8 is refused" 1 "" "not valid UTF-8; nothing was saved"
expect "and its text is kept for later" 1 "" "your text is kept in"
[ -e "$DRAFTS/note-1.md" ] && ok "the refused text stays in the drafts" || bad "the refused text stays in the drafts"
[ "$(version 1)" = "$v" ] && ok "nothing was written" || bad "nothing was written"
EDITOR=true
run note edit 1 --discard

run note edit 1 --text "   "
expect "an empty text does not blank a draft" 1 "" "the new text is empty; the draft was kept unchanged"
[ "$(version 1)" = "$v" ] && ok "the draft kept its text" || bad "the draft kept its text"
run note edit 2 --text "" --force
expect "--force empties a draft" 0 "saved note 2"

# ------------------------------------------------------------ passphrases
run note sign 2
expect "no passphrase set: signing says how to set one" 1 "" "emr user passwd"
printf 'short\n' >"$TMP/pass"
run user passwd --passphrase-fd 3 3<"$TMP/pass"
expect "a passphrase under 8 characters is refused" 1 "" "at least 8"
printf 'river side 42\n' >"$TMP/pass"
run user passwd --passphrase-fd 3 3<"$TMP/pass"
expect "user passwd --passphrase-fd" 0 "passphrase set for drtest"
case "$(sql "SELECT pass_hash FROM users WHERE login = 'drtest'")" in
'$argon2id$'*) ok "the hash is Argon2id" ;; *) bad "the hash is Argon2id" ;; esac
run user passwd </dev/null
expect "no terminal, no --passphrase-fd: refused" 2 "" "passphrase-fd"
EMR_PASSPHRASE='river side 42'; export EMR_PASSPHRASE
run note sign 2
expect "an empty note cannot be signed" 1 "" "an empty note cannot be signed"

# ------------------------------------------------------------ dot-phrases
run phrase add exam --text "Well appearing. Heart regular. Lungs clear."
expect "phrase add" 0 "added .exam"
printf 'No fever.\nNo chest pain.\n' >"$TMP/ros.md"
run phrase add .ros --shared --file "$TMP/ros.md"
expect "phrase add --shared --file" 0 "added .ros (shared)"
run phrase add exam --text "Well appearing."
expect "phrase add replaces" 0 "replaced .exam"
run phrase add vitals --text "x"
expect "built-in names are taken" 1 "" "is built in"
run phrase add Bad --text "x"
expect "bad phrase names are refused" 1 "" 'phrase name "Bad"'
run phrase add nothing
expect "phrase add needs text" 2 "" "needs --text or --file"
run phrase list
expect "phrase list shows the built-ins" 0 ".vitals"
expect "phrase list shows the user's" 0 ".exam"
run phrase list --json
expect "phrase list --json" 0 '"owner": "shared"'

cat >"$TMP/phrases.md" <<'EOF'
.age man, here for diabetes.

ROS: .ros

Exam: .exam .vitals

Meds: .meds
Allergies: .allergies; labs:
.labs

`.exam` is how the exam phrase is typed; .unknown stays.
EOF
cat >"$TMP/phrases.expected" <<'EOF'
52-year-old man, here for diabetes.

ROS:
No fever.
No chest pain.

Exam: Well appearing. BP 128/82 mm[Hg], pulse 72 /min, temp 37.0 Cel, RR 16 /min, SpO2 98 %, weight 80.0 kg, height 175.0 cm, BMI 26.1 kg/m2

Meds:
- metformin 500 mg oral tablet: Take 1 tablet twice daily
Allergies: penicillin (hives, severe); labs:
- HbA1c 7.4 % (H, 2026-05-20)

`.exam` is how the exam phrase is typed; .unknown stays.
EOF
run note edit 1 --file "$TMP/phrases.md"
expect "a note with dot-phrases" 0 "saved note 1"
same "dot-phrases expand when the note is saved" "$TMP/phrases.expected" "$(body 1)"
editor ed-phrase.sh 'printf "Typed in the editor: .allergies\n" > "$1"'
run note edit 1
[ "$(body 1)" = "Typed in the editor: penicillin (hives, severe)" ] && ok "the editor's text is expanded too" || bad "the editor's text is expanded too"

# ---------------------------------------------------- signing and addenda
run note addendum 1 --text "Too early."
expect "no addendum on a draft" 1 "" "is a draft: edit it instead"
EMR_PASSPHRASE='wrong passphrase' run note sign 1
expect "a wrong passphrase does not sign" 1 "" "wrong passphrase; note 1 is not signed"
[ "$(sql "SELECT count(*) FROM audit_events WHERE action = 'unlock-failed' AND detail LIKE '%signing%'")" = 1 ] && ok "the failure is audited" || bad "the failure is audited"
[ "$(sql "SELECT status FROM notes WHERE id = 1")" = draft ] && ok "still a draft" || bad "still a draft"
unset EMR_PASSPHRASE
printf 'river side 42\n' >"$TMP/pass"
run note sign 1 --passphrase-fd 3 3<"$TMP/pass"
expect "note sign" 0 "signed note 1 (Dana Test, MD, 2026-11-25T15:00:00Z)"
EMR_PASSPHRASE='river side 42'; export EMR_PASSPHRASE
run visit list E000001
expect "visit list shows the signer" 0 "signed  Dana Test"
EDITOR=true
run note edit 1
expect "a signed note cannot be edited" 1 "" "note 1 is signed and cannot be changed; add an addendum instead"
run note edit 1 --text "changed"
expect "not with --text either" 1 "" "is signed"
[ "$(body 1)" = "Typed in the editor: penicillin (hives, severe)" ] && ok "the signed note is as signed" || bad "the signed note is as signed"
run note sign 1
expect "signing twice" 1 "" "only a draft can be signed"
run note addendum 1 --text "Potassium normal; .allergies noted."
expect "an addendum" 0 "addendum 1 added to note 1"
printf 'Called the patient back.\n' | "$EMR_BIN" note addendum 1 >"$TMP/out" 2>"$TMP/err"
RC=$?; OUT=$(cat "$TMP/out"); ERR=$(cat "$TMP/err")
expect "an addendum from standard input" 0 "addendum 2 added to note 1"
run note addendum 1 --text "  "
expect "an empty addendum" 1 "" "the text is empty"
run note addendum 1 --file "$TMP/latin1.md"
expect "an addendum that is not UTF-8" 1 "" "not valid UTF-8"
run note show 1
expect "note show prints the note" 0 "Typed in the editor: penicillin (hives, severe)"
expect "note show names the signer" 0 "signed   Dana Test, MD, 2026-11-25T15:00:00Z"
expect "note show prints the addenda with author and time" 0 "--- addendum 1 by Dana Test, MD, 2026-11-25T15:00:00Z"
expect "addenda expand dot-phrases" 0 "Potassium normal; penicillin (hives, severe) noted."
run note show 1 --json
expect "note show --json" 0 '"status": "signed"'
expect "note show --json has the addenda" 0 '"body": "Called the patient back.\\n"'
run note show 99
expect "an unknown note" 1 "" "no note with id 99"
run note show x1
expect "a bad note id" 1 "" 'id "x1": not a note id'
[ "$(sql "SELECT count(*) FROM audit_events WHERE action = 'addendum'")" = 2 ] && ok "addenda are audited" || bad "addenda are audited"

# -------------------------------------------------------------- templates
run template list
expect "template list" 0 "soap"
cat >"$TMP/peds.md" <<'EOF'
# Well child

{{name}}, {{age}}: {{reason}}

{{vitals}}
EOF
run template add peds --file "$TMP/peds.md"
expect "template add --file" 0 'added template "peds"'
run template add peds --file "$TMP/peds.md"
expect "template add refuses to overwrite" 1 "" "already exists"
printf '# Well child visit\n\n{{name}}, {{age}}: {{reason}}\n' | "$EMR_BIN" template add peds --replace --default >"$TMP/out" 2>"$TMP/err"
RC=$?; OUT=$(cat "$TMP/out"); ERR=$(cat "$TMP/err")
expect "template add from standard input, as the default" 0 'replaced template "peds" (the default)'
run template add "bad name" --text x
expect "a bad template name" 1 "" 'template name "bad name"'
run visit add E000002 --reason "Check-up"
expect "a visit with the new default" 0 "draft note 3"
[ "$(body 3)" = "$(printf '# Well child visit\n\nZoë Nguyễn, 25-year-old: Check-up')" ] && ok "the new default template is used" || bad "the new default template is used"
editor ed-tmpl.sh 'printf "# Well child, edited\n\n{{age}}\n" > "$1"'
run template edit peds
expect "template edit opens the editor" 0 'saved template "peds"'
run template show peds
expect "template show" 0 "# Well child, edited"
run template edit nosuch
expect "template edit of an unknown template" 1 "" 'template "nosuch"'
run template default soap
expect "template default" 0 'template "soap" is the default'
run template list --json
expect "template list --json" 0 '"default": true'
run visit add E000002 --template peds --reason x
expect "visit add --template" 0 "draft note 4"
[ "$(body 4)" = "$(printf '# Well child, edited\n\n25-year-old')" ] && ok "--template picks the template" || bad "--template picks the template"

# ----------------------------------------------------------------- search
awk 'BEGIN { for (i = 0; i < 20000; i++) printf "Line %d of a long history, item %d of the review.\n", i, i;
             print "Zanzibarian travel last spring." }' >"$TMP/big.md"
run note edit 2 --file "$TMP/big.md"
expect "a note of 1 MB" 0 "saved note 2"
[ "$(sql 'SELECT length(body) >= 1048576 FROM notes WHERE id = 2')" = 1 ] && ok "all of it was stored" || bad "all of it was stored"
[ "$(sql 'SELECT length(CAST(body AS BLOB)) FROM notes WHERE id = 2')" = "$(wc -c <"$TMP/big.md" | tr -d ' ')" ] &&
	[ "$(sql "SELECT hex(body) FROM notes WHERE id = 2")" = "$(od -An -v -tx1 "$TMP/big.md" | tr -d ' \n' | tr a-f A-F)" ] &&
	ok "byte for byte" || bad "byte for byte"
run search zanzib trav
expect "search finds words by prefix" 0 "\\[Zanzibarian\\] \\[travel\\]"
run search zanzib nowhere
expect "every word must match" 0 ""
[ "$(printf '%s\n' "$OUT" | wc -l)" = 1 ] && ok "no match, no rows" || bad "no match, no rows"
run search histor --json
expect "search --json" 0 '"snippet": "'
run search "Well" --patient E000002
expect "search --patient" 0 "Nguyễn, Zoë (E000002)"
run search "Well" --patient E000001
[ "$(printf '%s\n' "$OUT" | wc -l)" = 1 ] && ok "search --patient leaves out other patients" || bad "search --patient leaves out other patients"
run search "'; DROP TABLE notes; --"
expect "search text is never SQL" 0
[ "$(sql 'SELECT count(*) FROM notes')" = 4 ] && ok "the notes are all there" || bad "the notes are all there"
run search
expect "search needs words" 2 "" "give the words"
run search x --limit 0
expect "search --limit must be positive" 2 "" "--limit 0"
run search x --patient E000099
expect "search --patient of nobody" 1 "" "no such MRN or id"
[ "$(sql "SELECT count(*) FROM audit_events WHERE action = 'search'")" -ge 5 ] && ok "searches are audited" || bad "searches are audited"

run audit verify
expect "the audit chain is intact" 0
finish
