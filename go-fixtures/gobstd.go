package main

// The gob-std set: streams of Go's standard self-marshalling types
// (time.Time, math/big's Int, Rat and Float), each case written by a fresh
// process like the gob corpus. Next to each NAME.gob, NAME.json holds, one
// line per value, what encoding/json writes for the value Go decodes from
// the stream, and NAME.detail the GobEncode bytes (hex) of every standard
// value in it, in walk order: the rendering that `gob decode --json` must
// match, and the exact values a decoder must reach. gob-std-verify reads
// streams someone else wrote and compares both with the cases.

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"time"
)

const defaultGobStdDir = "../testdata/gob-std"

// StdEvent holds times where Go treats them differently: a field (left out
// when zero), a pointer (sent when non-nil, even to the zero time) and
// slice elements (always sent).
type StdEvent struct {
	Name  string
	At    time.Time
	When  *time.Time
	Times []time.Time
}

// StdLedger holds big numbers as pointers, as Go programs do: nil ones are
// left out, a non-nil one is always sent.
type StdLedger struct {
	Amount *big.Int
	Ratio  *big.Rat
	Rate   *big.Float
	Parts  []*big.Int
}

// StdAll holds one of each.
type StdAll struct {
	At    time.Time
	Int   *big.Int
	Rat   *big.Rat
	Float *big.Float
}

type stdCase struct {
	name   string
	desc   string
	values []any
}

func gobStdCases() []stdCase {
	tokyo := time.FixedZone("JST", 9*3600)
	india := time.FixedZone("", 5*3600+30*60+15)
	minusSeconds := time.FixedZone("", -(3600 + 30))
	zeroFixed := time.FixedZone("", 0)
	denver := time.FixedZone("MST", -7*3600)
	issue := time.Date(2018, 8, 7, 16, 0, 0, 123, tokyo)
	utc := time.Date(2017, 11, 20, 0, 0, 0, 123456789, time.UTC)
	zero := time.Time{}
	pt := func(t time.Time) *time.Time { return &t }

	bigInt := func(s string) *big.Int {
		v, ok := new(big.Int).SetString(s, 10)
		if !ok {
			panic("bad big.Int " + s)
		}
		return v
	}
	bigRat := func(s string) *big.Rat {
		v, ok := new(big.Rat).SetString(s)
		if !ok {
			panic("bad big.Rat " + s)
		}
		return v
	}
	huge := "1606938044258990275541962092341162602522202993782792835301376" // 2^200
	third := new(big.Float).SetPrec(200).Quo(big.NewFloat(1), big.NewFloat(3))
	toZero := new(big.Float).SetPrec(10).SetMode(big.ToZero)
	toZero.Quo(big.NewFloat(2), big.NewFloat(3)) // rounded down: Below
	away := new(big.Float).SetPrec(8).SetMode(big.AwayFromZero)
	away.Quo(big.NewFloat(-1), big.NewFloat(7)) // Below (toward -Inf)
	sqrt2 := new(big.Float).SetPrec(1000).Sqrt(big.NewFloat(2))
	large := new(big.Float).SetMantExp(big.NewFloat(1.25), 1000)
	tiny := new(big.Float).SetMantExp(big.NewFloat(-1.5), -1000)
	negZero := new(big.Float).Neg(new(big.Float))
	nearest := new(big.Float).SetPrec(24).SetMode(big.ToNearestAway)
	nearest.SetFloat64(0.1)
	posInf := new(big.Float).SetInf(false)
	negInf := new(big.Float).SetInf(true)

	return []stdCase{
		{
			name: "time_values",
			desc: "top-level time.Time values: the zero time (sent in full), UTC, a fixed zone (the issue's example), an offset with seconds (version 2), a negative offset with seconds (Go reads its seconds byte back unsigned), a zero offset that is not UTC, before 1970, the last second of year 9999, trailing zeros in the fraction",
			values: []any{
				zero,
				utc,
				issue,
				time.Date(2020, 2, 29, 23, 59, 58, 0, india),
				time.Date(2021, 3, 4, 5, 6, 7, 8, minusSeconds),
				time.Date(2019, 6, 1, 0, 0, 0, 0, zeroFixed),
				time.Date(1900, 1, 1, 12, 0, 0, 500000000, denver),
				time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
				time.Date(2000, 1, 1, 0, 0, 0, 100000000, time.UTC),
			},
		},
		{
			name: "time_fields",
			desc: "time.Time in a struct: a zero field is left out, a pointer to the zero time and slice elements are sent",
			values: []any{
				StdEvent{Name: "empty"},
				StdEvent{Name: "pointed zero", When: pt(zero), Times: []time.Time{zero, utc}},
				StdEvent{Name: "full", At: issue, When: pt(utc), Times: []time.Time{issue}},
				[]time.Time{zero, issue, zero},
				&zero,
			},
		},
		{
			name: "big_int",
			desc: "*big.Int: zero, ±1, 2^64, ±2^200 (huge), in a struct with nil pointers and a slice",
			values: []any{
				new(big.Int),
				big.NewInt(1),
				big.NewInt(-1),
				bigInt("18446744073709551616"),
				bigInt(huge),
				bigInt("-" + huge),
				&StdLedger{},
				&StdLedger{Amount: big.NewInt(-42), Parts: []*big.Int{big.NewInt(0), bigInt(huge)}},
			},
		},
		{
			name: "big_rat",
			desc: "*big.Rat: zero, 3/4, -3/4, an integer, 6/8 (Go reduces it), a huge fraction, in a struct",
			values: []any{
				new(big.Rat),
				big.NewRat(3, 4),
				big.NewRat(-3, 4),
				new(big.Rat).SetInt64(5),
				bigRat("6/8"),
				bigRat("-" + huge + "/3"),
				&StdLedger{Ratio: big.NewRat(-1, 3)},
			},
		},
		{
			name: "big_float",
			desc: "*big.Float with its precision, mode and accuracy: NewFloat, the zero Float (precision 0), -0, ±Inf, 1/3 at 200 bits, ToZero at 10 bits (Below), AwayFromZero at 8 bits, sqrt(2) at 1000 bits, 1.25×2^1000, -1.5×2^-1000, ToNearestAway at 24 bits, in a struct",
			values: []any{
				big.NewFloat(1.5),
				new(big.Float),
				negZero,
				posInf,
				negInf,
				third,
				toZero,
				away,
				sqrt2,
				large,
				tiny,
				nearest,
				big.NewFloat(-123456789.0625),
				big.NewFloat(1e-7),
				&StdLedger{Rate: big.NewFloat(0.25)},
			},
		},
		{
			name: "mixed",
			desc: "one of each standard type in a struct, and the zero struct (the time left out, the nil pointers too)",
			values: []any{
				StdAll{At: issue, Int: bigInt("-" + huge), Rat: big.NewRat(1, 3), Float: third},
				StdAll{},
			},
		},
	}
}

func findStdCase(name string) (stdCase, bool) {
	for _, c := range gobStdCases() {
		if c.name == name {
			return c, true
		}
	}
	return stdCase{}, false
}

// stdRendering decodes a stream of the case's types with encoding/gob and
// gives what encoding/json writes for each value, and the GobEncode bytes
// of every standard value in it.
func stdRendering(data []byte, values []any) (jsonLines, detail string, err error) {
	dec := gob.NewDecoder(bytes.NewReader(data))
	var j, d strings.Builder
	for i, v := range values {
		got := reflect.New(reflect.TypeOf(v))
		if err := dec.Decode(got.Interface()); err != nil {
			return "", "", fmt.Errorf("value %d: %w", i, err)
		}
		b, err := json.Marshal(got.Interface())
		if err != nil {
			return "", "", fmt.Errorf("value %d: json: %w", i, err)
		}
		j.Write(b)
		j.WriteByte('\n')
		fmt.Fprintf(&d, "value %d:", i)
		walkValue(got.Elem(), func(v reflect.Value) {
			if !v.CanInterface() {
				return
			}
			switch x := v.Interface().(type) {
			case time.Time, *big.Int, *big.Rat, *big.Float:
				enc, err := x.(gob.GobEncoder).GobEncode()
				if err != nil {
					fmt.Fprintf(&d, " error(%v)", err)
					return
				}
				fmt.Fprintf(&d, " %T:%s", x, hex.EncodeToString(enc))
			case big.Int:
				enc, _ := (&x).GobEncode()
				fmt.Fprintf(&d, " big.Int:%s", hex.EncodeToString(enc))
			}
		})
		d.WriteByte('\n')
	}
	var extra any
	if err := dec.Decode(&extra); err != io.EOF {
		return "", "", fmt.Errorf("data after value %d (decode: %v)", len(values)-1, err)
	}
	return j.String(), d.String(), nil
}

// runGobStdCase writes one case; it must run in a process that has not
// used gob yet.
func runGobStdCase(args []string) error {
	if len(args) != 2 {
		return errors.New("usage: gob-std-case NAME OUTDIR")
	}
	c, ok := findStdCase(args[0])
	if !ok {
		return fmt.Errorf("no case %q", args[0])
	}
	data, err := encodeStream(c.values, false)
	if err != nil {
		return fmt.Errorf("case %s: %w", c.name, err)
	}
	jsonLines, detail, err := stdRendering(data, c.values)
	if err != nil {
		return fmt.Errorf("case %s: %w", c.name, err)
	}
	base := filepath.Join(args[1], c.name)
	for ext, content := range map[string][]byte{
		".gob":    data,
		".json":   []byte(jsonLines),
		".detail": []byte(detail),
	} {
		if err := os.WriteFile(base+ext, content, 0o644); err != nil {
			return err
		}
	}
	return nil
}

type stdManifestCase struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Stream      string `json:"stream"`
}

// runGobStd writes the gob-std set, one child process per case.
func runGobStd(args []string) error {
	dir, err := fixtureOutDir("gob-std", defaultGobStdDir, args)
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	cases := gobStdCases()
	sort.Slice(cases, func(i, j int) bool { return cases[i].name < cases[j].name })
	written := map[string]bool{"manifest.json": true}
	var m struct {
		Cases []stdManifestCase `json:"cases"`
	}
	for _, c := range cases {
		cmd := exec.Command(self, "gob-std-case", c.name, dir)
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("case %s: %w", c.name, err)
		}
		for _, ext := range []string{".gob", ".json", ".detail"} {
			written[c.name+ext] = true
		}
		m.Cases = append(m.Cases, stdManifestCase{Name: c.name, Description: c.desc, Stream: c.name + ".gob"})
	}
	if err := finishFixtureDir(dir, m, written, ".gob", ".json", ".detail"); err != nil {
		return err
	}
	fmt.Printf("gob-std: wrote %d cases to %s\n", len(cases), dir)
	return nil
}

// runGobStdVerify decodes the streams found in DIR (named as the cases)
// with encoding/gob and compares their JSON and exact values with what the
// cases' own values give.
func runGobStdVerify(args []string) error {
	if len(args) != 1 {
		return errors.New("usage: gob-std-verify DIR")
	}
	cases := gobStdCases()
	sort.Slice(cases, func(i, j int) bool { return cases[i].name < cases[j].name })
	verified, failed := 0, 0
	for _, c := range cases {
		data, err := os.ReadFile(filepath.Join(args[0], c.name+".gob"))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		verified++
		want, err := encodeStream(c.values, false)
		if err != nil {
			return err
		}
		wantJSON, wantDetail, err := stdRendering(want, c.values)
		if err != nil {
			return err
		}
		gotJSON, gotDetail, err := stdRendering(data, c.values)
		switch {
		case err != nil:
			failed++
			fmt.Printf("%s: %v\n", c.name, err)
		case gotJSON != wantJSON || gotDetail != wantDetail:
			failed++
			fmt.Printf("%s: got\n%s%s\nwant\n%s%s\n", c.name, gotJSON, gotDetail, wantJSON, wantDetail)
		}
	}
	fmt.Printf("gob-std-verify: %d streams verified, %d failed\n", verified, failed)
	if failed > 0 || verified == 0 {
		return errReported
	}
	return nil
}

// renderStdTypes makes the corpus renderer write the standard types as
// `gob decode --json` does; the oracle turns it off, since the differential
// tests compare the bytes of every self-marshalling value.
var renderStdTypes = true

// stdJSON is the rendering of the standard self-marshalling types in the
// corpus renderer, as `gob decode --json` writes them (the README's
// table): what encoding/json writes for the same Go value. ok is false for
// any other type, and for a time.Time Go cannot write as JSON.
func stdJSON(t reflect.Type, data []byte) (s string, ok bool) {
	if !renderStdTypes {
		return "", false
	}
	switch baseType(t) {
	case reflect.TypeOf(time.Time{}):
		// Go's decoder keeps nanoseconds out of range as they are; the
		// rendering refuses them.
		if len(data) >= 13 {
			if ns := int32(binary.BigEndian.Uint32(data[9:13])); ns < 0 || ns >= 1e9 {
				return "", false
			}
		}
		var v time.Time
		if v.UnmarshalBinary(data) != nil {
			return "", false
		}
		b, err := json.Marshal(v)
		return string(b), err == nil
	case reflect.TypeOf(big.Int{}), reflect.TypeOf(big.Rat{}), reflect.TypeOf(big.Float{}):
		v := reflect.New(baseType(t))
		if len(data) == 0 || v.Interface().(gob.GobDecoder).GobDecode(data) != nil {
			return "", false
		}
		b, err := json.Marshal(v.Interface())
		return string(b), err == nil
	}
	return "", false
}

// stdZeroJSON renders a standard type's field that gob left out: the zero
// time, or a nil pointer to a big number.
func stdZeroJSON(t reflect.Type) (string, bool) {
	if !renderStdTypes {
		return "", false
	}
	switch baseType(t) {
	case reflect.TypeOf(time.Time{}):
		return `"0001-01-01T00:00:00Z"`, true
	case reflect.TypeOf(big.Int{}), reflect.TypeOf(big.Rat{}), reflect.TypeOf(big.Float{}):
		return "null", true
	}
	return "", false
}
