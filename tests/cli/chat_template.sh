#!/usr/bin/env bash
# chat_template.sh — `ffai chat-template` against the Jinja2 goldens in tests/data/golden/templates:
# every case of ffai-tiny-qwen3 through --model (template found in tokenizer_config.json) and every
# case of Llama 3.1 and Gemma 2 through --template, byte-exact (no added newline), errors where
# Jinja2 raised; plus usage errors. Golden JSON is split with perl (core JSON::PP for strings).
set -euo pipefail
BIN=${FFAI_BIN:-ffai}
SHARED=${FFAI_SHARED:-${FFAI_SOURCE_DIR:-.}/tests/data}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 pass=0

# Splits a golden file into per-case files: NAME.messages.json, NAME.tools.json (when tools are
# given), NAME.args (one CLI argument per line), and NAME.ok or NAME.err (expected text).
split_cases() { # golden.json outdir
  perl -MJSON::PP -e '
    # A tiny JSON scanner that keeps the raw text of each value, so objects keep their key order
    # (JSON::PP hashes would not); strings and scalars are decoded with JSON::PP.
    my ($file, $out) = @ARGV;
    local $/; open my $f, "<:raw", $file or die "$file: $!"; our $s = <$f>;
    my $J = JSON::PP->new->allow_nonref;
    sub ws { $s =~ /\G\s*/gc }
    sub val {
      ws(); my $st = pos($s); my %n;
      if ($s =~ /\G\{/gc) {
        $n{o} = {}; ws();
        unless ($s =~ /\G\}/gc) { do { ws(); my $k = val(); ws(); $s =~ /\G:/gc or die "colon";
                                         $n{o}{$J->decode($k->{raw})} = val(); ws() } while ($s =~ /\G,/gc);
                                   $s =~ /\G\}/gc or die "brace at " . pos($s) }
      } elsif ($s =~ /\G\[/gc) {
        $n{a} = []; ws();
        unless ($s =~ /\G\]/gc) { do { push @{$n{a}}, val(); ws() } while ($s =~ /\G,/gc);
                                   $s =~ /\G\]/gc or die "bracket" }
      } elsif ($s =~ /\G"(?:[^"\\]|\\.)*"/gc || $s =~ /\G(?:true|false|null|-?[0-9][0-9.eE+-]*)/gc) {
      } else { die "bad JSON at $st" }
      $n{raw} = substr($s, $st, pos($s) - $st);
      return \%n;
    }
    sub put { my ($path, $text) = @_; open my $o, ">:raw", $path or die; print $o $text; close $o }
    my $root = val();
    for my $c (@{$root->{o}{cases}{a}}) {
      my $name = $J->decode($c->{o}{name}{raw});
      my $n = "$out/$name";
      put("$n.messages.json", $c->{o}{messages}{raw});
      my @args;
      if ($c->{o}{tools}{raw} ne "null") { put("$n.tools.json", $c->{o}{tools}{raw}); push @args, "--tools", "$n.tools.json" }
      push @args, "--add-generation-prompt" if $c->{o}{add_generation_prompt}{raw} eq "true";
      my $vars = $c->{o}{variables}{o};
      push @args, "--var", "$_=" . $vars->{$_}{raw} for sort keys %$vars;
      put("$n.args", join("", map { "$_\n" } @args));
      my $kind = exists $c->{o}{ok} ? "ok" : "error";
      my $text = $J->decode($c->{o}{$kind}{raw});
      utf8::encode($text);
      put("$n." . ($kind eq "ok" ? "ok" : "err"), $text);
    }' "$1" "$2"
}

run_golden() { # golden-name, then the template source flags
  local name=$1; shift
  local dir="$tmp/$name"
  mkdir -p "$dir"
  split_cases "$SHARED/golden/templates/$name.json" "$dir"
  for msg in "$dir"/*.messages.json; do
    local c=${msg%.messages.json}
    local -a extra=()
    mapfile -t extra < "$c.args"
    local rc=0
    "$BIN" chat-template "$@" --messages "$msg" "${extra[@]}" > "$c.got" 2> "$c.stderr" || rc=$?
    if [ -f "$c.ok" ]; then
      if [ $rc -eq 0 ] && cmp -s "$c.got" "$c.ok"; then pass=$((pass + 1)); else
        echo "FAIL $name/$(basename "$c"): rc=$rc $(cmp "$c.got" "$c.ok" 2>&1 | head -1) $(head -c 300 "$c.stderr")"; fail=$((fail + 1)); fi
    else
      local want; want=$(cat "$c.err")
      if [ $rc -eq 1 ] && grep -qF -- "$want" "$c.stderr"; then pass=$((pass + 1)); else
        echo "FAIL $name/$(basename "$c"): want error '$want', rc=$rc: $(head -c 300 "$c.stderr")"; fail=$((fail + 1)); fi
    fi
  done
}

# Each case's variables are passed with --var, which overrides the model's bos/eos (the Qwen3
# template does not use them anyway).
run_golden ffai-tiny-qwen3 --model "$SHARED/models/ffai-tiny-qwen3"
run_golden meta-llama-Llama-3.1-8B-Instruct --template "$SHARED/templates/meta-llama-Llama-3.1-8B-Instruct.jinja"
run_golden google-gemma-2-2b-it --template "$SHARED/templates/google-gemma-2-2b-it.jinja"

# --model supplies bos_token from tokenizer_config.json (Llama 3.2 prints it first).
printf '[{"role":"user","content":"Hi"}]' > "$tmp/m.json"
out=$("$BIN" chat-template --model "$SHARED/tokenizers/llama3_2" --messages "$tmp/m.json" --var 'date_string="26 Jul 2024"')
case "$out" in
  "<|begin_of_text|><|start_header_id|>system<|end_header_id|>"*) pass=$((pass + 1)) ;;
  *) echo "FAIL llama3_2 bos_token from the model: ${out:0:80}"; fail=$((fail + 1)) ;;
esac

# Usage errors exit 2; --help exits 0; a model without a template exits 1 with a clear message.
expect_rc() { # rc, args...
  local want=$1; shift
  local rc=0
  "$BIN" chat-template "$@" > "$tmp/u.out" 2> "$tmp/u.err" || rc=$?
  if [ $rc -eq "$want" ]; then pass=$((pass + 1)); else
    echo "FAIL 'chat-template $*': rc=$rc, want $want: $(head -c 200 "$tmp/u.err")"; fail=$((fail + 1)); fi
}
expect_rc 0 --help
expect_rc 2 --messages "$tmp/m.json"
expect_rc 2 --template x.jinja
expect_rc 2 --model a --template b --messages "$tmp/m.json"
expect_rc 2 --template x.jinja --messages "$tmp/m.json" --messagse y
grep -q -- "--messages" "$tmp/u.err" || { echo "FAIL: no 'did you mean' suggestion"; fail=$((fail + 1)); }
mkdir -p "$tmp/empty-model"
expect_rc 1 --model "$tmp/empty-model" --messages "$tmp/m.json"
grep -q "no chat template" "$tmp/u.err" || { echo "FAIL: missing-template message: $(cat "$tmp/u.err")"; fail=$((fail + 1)); }
printf '{{ x }}|{{ y }}|{{ z | tojson }}' > "$tmp/t.jinja"
out=$("$BIN" chat-template --template "$tmp/t.jinja" --messages "$tmp/m.json" --var x=false --var 'y=plain text' --var 'z={"a":[1,2.5]}')
[ "$out" = 'False|plain text|{"a": [1, 2.5]}' ] && pass=$((pass + 1)) || { echo "FAIL --var parsing: $out"; fail=$((fail + 1)); }
printf '{%% if %%}' > "$tmp/bad.jinja"
expect_rc 1 --template "$tmp/bad.jinja" --messages "$tmp/m.json"
grep -q "line 1, column" "$tmp/u.err" || { echo "FAIL: syntax error position: $(cat "$tmp/u.err")"; fail=$((fail + 1)); }

echo "cli chat-template: $pass passed, $fail failed"
[ $fail -eq 0 ]
