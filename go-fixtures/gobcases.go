package main

import (
	"math"
	"strings"
	"time"

	"goapptrace-proto/go-fixtures/logutil"
)

// gobCases returns the corpus. Values are built afresh on each call; they
// must not depend on anything but constants so every run writes the same
// bytes.
func gobCases() []gobCase {
	ptr := func(v int) *int { return &v }
	person := Person{
		Name:   "Alice",
		Age:    30,
		Email:  "alice@example.com",
		Score:  97.5,
		Active: true,
		Tags:   []string{"admin", "dev"},
	}

	blob1000 := make([]byte, 1000)
	for i := range blob1000 {
		blob1000[i] = byte(i % 251)
	}
	squares := make([]int, 1000)
	for i := range squares {
		squares[i] = i*i - 500
	}
	powers := make([]uint64, 64)
	for i := range powers {
		powers[i] = 1 << i
	}
	frames := make([]uint64, 64)
	for i := range frames {
		frames[i] = math.MaxUint64 >> i
	}

	deep := &Deep{V: 50}
	for i := 49; i >= 1; i-- {
		deep = &Deep{Next: deep, V: i}
	}

	deepStr := "deep"
	pDeepStr := &deepStr
	pPoint := &Point{5, 6}
	var circle Shape = Circle{R: 3}
	var square Shape = Square{S: 4}
	var nilShape Shape
	utc := time.Date(2017, 11, 20, 0, 0, 0, 123456789, time.UTC)
	zoned := time.Date(2020, 1, 2, 3, 4, 5, 6, time.FixedZone("X", 3600))

	return []gobCase{
		{
			name:    "int_extremes",
			desc:    "top-level int64 values around the one-byte and multi-byte boundaries and the extremes",
			streams: stream(int64(0), int64(1), int64(-1), int64(63), int64(-64), int64(127), int64(-128), int64(128), int64(255), int64(256), int64(-257), int64(math.MaxInt64), int64(math.MinInt64)),
		},
		{
			name:    "uint_extremes",
			desc:    "top-level uint64 values at every encoded-length boundary",
			streams: stream(uint64(0), uint64(1), uint64(127), uint64(128), uint64(255), uint64(256), uint64(65535), uint64(65536), uint64(1<<32-1), uint64(1<<32), uint64(1<<56), uint64(math.MaxUint64)),
		},
		{
			name: "int_widths",
			desc: "every integer width in a struct, at minimum then at maximum values (unsigned minimums are zero and not sent)",
			streams: stream(
				Widths{I8: math.MinInt8, I16: math.MinInt16, I32: math.MinInt32, I64: math.MinInt64, I: math.MinInt},
				Widths{I8: math.MaxInt8, I16: math.MaxInt16, I32: math.MaxInt32, I64: math.MaxInt64, I: math.MaxInt,
					U8: math.MaxUint8, U16: math.MaxUint16, U32: math.MaxUint32, U64: math.MaxUint64, U: math.MaxUint, P: ^uintptr(0)},
			),
		},
		{
			name:    "float64_values",
			desc:    "top-level float64 values including -0, subnormal, max, infinities and NaN (top-level zeros are still sent)",
			streams: stream(0.0, math.Copysign(0, -1), 1.0, -1.5, math.Pi, 1e300, 5e-324, math.MaxFloat64, 0.1, math.Inf(1), math.Inf(-1), math.NaN()),
		},
		{
			name:    "float32_struct",
			desc:    "float32 fields travel as float64 on the wire",
			streams: stream(F32{A: 1.5, B: 0.1, C: math.MaxFloat32, D: math.SmallestNonzeroFloat32}),
		},
		{
			name:    "complex_values",
			desc:    "top-level complex128 values and a struct with complex64 and complex128 fields",
			streams: stream(complex128(0), 1+2i, -1.5-0.25i, complex(math.Inf(1), math.NaN()), Cplx{C64: 3 - 4i, C128: complex(1e-300, -2.5)}),
		},
		{
			name:    "bools",
			desc:    "top-level true and false, and a struct where the false field is not sent",
			streams: stream(true, false, Flags{A: true, B: false}),
		},
		{
			name:    "strings",
			desc:    "top-level strings: empty, ASCII, multi-byte UTF-8, a 300-byte string (two-byte length) and escapes",
			streams: stream("", "hello", "日本語 🎉 ñ", strings.Repeat("abcdefghij", 30), "nul\x00 nl\n quote\" backslash\\"),
		},
		{
			name:    "bytes",
			desc:    "top-level byte slices (empty, short, 1000 bytes) and a struct with a []byte field",
			streams: stream([]byte{}, []byte{0, 1, 2, 255}, blob1000, Blob{Data: []byte("blob"), Name: "b"}),
		},
		{
			name:    "struct_basic",
			desc:    "a struct with every field set",
			streams: stream(person),
		},
		{
			name:    "struct_zero",
			desc:    "a zero struct: only the end-of-struct marker is sent",
			streams: stream(Person{}),
		},
		{
			name:    "struct_field_deltas",
			desc:    "20 int fields with only F01, F05 and F19 set: field numbers advance by deltas",
			streams: stream(Fields20{F01: 1, F05: 5, F19: -19}),
		},
		{
			name: "struct_unexported",
			desc: "unexported, func, chan and pointer-to-func fields are skipped entirely (not part of the wire type)",
			streams: stream(Mixed{Name: "mixed", secret: "s", Count: 3, Fn: func() {}, hidden: 9, Last: true, private: []string{"p"}},
				Mixed{Count: -1}),
		},
		{
			name: "struct_nested",
			desc: "a zero struct field is still sent (as an empty struct), a nil pointer field is not; a pointer to a zero struct is sent",
			streams: stream(
				Outer{ID: 1, P: nil, Q: &Inner{1, "x"}},
				Outer{ID: 2, In: Inner{5, "in"}, P: &Inner{}},
			),
		},
		{
			name:    "struct_embedded",
			desc:    "an embedded struct is an ordinary field named after its type",
			streams: stream(Derived{Base: Base{ID: 7}, Name: "d"}, Derived{Name: "zero base"}),
		},
		{
			name:    "struct_empty",
			desc:    "top-level empty structs and an empty struct field",
			streams: stream(Empty{}, Empty{}, WithEmpty{Before: 1, After: "z"}),
		},
		{
			name: "slices",
			desc: "slice fields; an empty non-nil slice is not sent, like a nil one",
			streams: stream(Slices{
				Ints:    []int{1, -2, 3},
				Strs:    []string{"a", "", "c"},
				Nested:  [][]int{{1, 2}, {}, {3}},
				Empty:   []int{},
				Nil:     nil,
				Structs: []Inner{{1, "a"}, {}},
			}),
		},
		{
			name:    "slice_top_level",
			desc:    "top-level slices; zero elements (including zero structs) are sent inside slices",
			streams: stream([]int{1, 2, 3}, []string{"a", "b"}, [][]int{{1}, {}, {2, 3}}, []Inner{{}, {1, "a"}}),
		},
		{
			name:    "slice_large",
			desc:    "a 1000-element []int and a []uint64 of every power of two",
			streams: stream(squares, powers),
		},
		{
			name: "arrays",
			desc: "array fields are always sent, even when all zero; a top-level [3]string",
			streams: stream(
				Arrays{A3: [3]int{1, 2, 3}, B4: [4]byte{0xde, 0xad, 0xbe, 0xef}, S2: [2]string{"x", ""}, Grid: [2][2]int{{1, 2}, {3, 4}}},
				[3]string{"a", "b", "c"},
			),
		},
		{
			name: "maps_single",
			desc: "single-entry map fields of several key/element types and an empty non-nil map (sent with count 0); a top-level map",
			streams: stream(
				Maps{
					SI: map[string]int{"one": 1},
					IS: map[int]string{7: "seven"},
					SL: map[string][]int{"l": {1, 2}},
					SP: map[string]*Inner{"p": {1, "q"}},
					E:  map[string]int{},
				},
				map[string]int{"only": 1},
			),
		},
		{
			name: "maps_multi",
			desc: "multi-entry top-level maps; the stream is the smallest of many encodings, and [key, value] pairs are listed in that stream's order",
			streams: stream(
				map[string]int{"a": 1, "b": 2, "c": 3},
				map[int]string{1: "x", 2: "y"},
				map[string]map[string]int{"o": {"i": 1}, "p": {"j": 2}},
			),
		},
		{
			name:    "map_nil_vs_empty",
			desc:    "nil maps are not sent, empty non-nil maps are sent with count 0; both render empty",
			streams: stream(MapPair{Empty: map[string]int{}, EmptyInt: map[int]bool{}}),
		},
		{
			name: "map_key_kinds",
			desc: "single-entry maps keyed by float64, bool, int8, a struct and an array",
			streams: stream(MapKeys{
				F:  map[float64]string{2.5: "f"},
				B:  map[bool]int{true: 1},
				I8: map[int8]uint{-3: 3},
				P:  map[Point]string{{1, 2}: "p"},
				A:  map[[2]int]bool{{3, 4}: true},
			}),
		},
		{
			name: "map_struct_values",
			desc: "maps with struct elements (zero elements are sent)",
			streams: stream(
				map[string]Inner{"a": {1, "x"}, "b": {}},
				map[int]Inner{3: {}},
			),
		},
		{
			name:    "map_bytes_values",
			desc:    "a map from string to []byte, including an empty element (sent inside a map)",
			streams: stream(map[string][]byte{"k": {1, 2}, "e": {}}),
		},
		{
			name: "pointers",
			desc: "pointer fields are flattened; a pointer to zero is not sent; a top-level pointer to a struct",
			streams: stream(
				Ptrs{PI: ptr(42), PZ: ptr(0), PN: nil, PPS: &pDeepStr, PS: &Inner{2, "y"}, PF: nil},
				&Inner{3, "z"},
			),
		},
		{
			name: "pointer_composites",
			desc: "pointers to slices, maps and arrays; a pointer to an empty slice is not sent, a nil pointer to an array renders zeros",
			streams: stream(PtrComposite{
				PS: &[]int{1, 2},
				PM: &map[string]int{"m": 1},
				PA: &[2]int{3, 4},
				PE: &[]int{},
			}),
		},
		{
			name: "slice_of_pointers",
			desc: "slices of pointers to structs are sent as slices of structs",
			streams: stream(
				[]*Inner{{1, "a"}, {}},
				PointList{Pts: []*Point{{1, 2}, {0, 0}, {-3, 4}}},
			),
		},
		{
			name: "named_basic",
			desc: "named basic types travel as their underlying wire types",
			streams: stream(Reading{
				Temp:   21.5,
				Who:    42,
				Label:  "lbl",
				Lvl:    -3,
				IDs:    []ID{1, 2},
				ByName: map[Name]ID{"n": 9},
			}),
		},
		{
			name: "named_composite",
			desc: "named slice, array, map and nested-slice types get their own type definitions",
			streams: stream(
				Named{L: IDList{1, 2, 3}, G: Grid{{1, 2}, {3, 4}}, X: Index{"k": 1}, M: Matrix{{1.5}, {2.5, 3.5}}},
				IDList{9, 8},
			),
		},
		{
			name:    "named_bytes",
			desc:    "a named []byte type and a slice of a named uint8 type are both byte slices; an array of it is not",
			streams: stream(NamedBytes{R: Raw("raw"), O: []Octet{1, 2, 3}, A: [2]Octet{4, 5}}),
		},
		{
			name: "named_other_package",
			desc: "types from package logutil; the slice type's wire name is []logutil.FuncStatusID",
			streams: stream(
				logutil.RawFuncLog{ID: 1, Tag: "call", Timestamp: 1700000000123456789, Frames: []logutil.FuncStatusID{10, 20, 30}, GID: 17, TxID: 99},
				[]logutil.RawFuncLog{
					{ID: 2, Tag: "a", Frames: []logutil.FuncStatusID{1}},
					{ID: 3, Tag: "b", Timestamp: -1, GID: 1, TxID: 1 << 40},
				},
			),
		},
		{
			name:    "recursive_list",
			desc:    "a self-referential struct type through a pointer: a 3-node list",
			streams: stream(Node{Value: 1, Next: &Node{Value: 2, Next: &Node{Value: 3}}}),
		},
		{
			name: "recursive_tree",
			desc: "a struct recursive through both a slice and a pointer, depth 3",
			streams: stream(Tree{
				Name: "root",
				Children: []Tree{
					{Name: "a", Children: []Tree{{Name: "a1"}, {Name: "a2"}}},
					{Name: "b", Left: &Tree{Name: "b-left"}},
				},
				Left: &Tree{Name: "left", Children: []Tree{{Name: "l1"}}},
			}),
		},
		{
			name:    "mutual_recursion",
			desc:    "two mutually recursive struct types",
			streams: stream(A{N: 1, B: &B{S: "b", A: &A{N: 2}}}),
		},
		{
			name: "interface_field",
			desc: "interface fields holding registered concrete types; a nil interface field is not sent; each concrete type is defined once per stream",
			streams: stream(Drawing{
				Title: "shapes",
				Main:  Circle{R: 1.5},
				Nil:   nil,
				All:   []Shape{Square{S: 2}, Circle{R: 0.5}, Square{S: 3}},
			}),
		},
		{
			name:    "interface_basic_concretes",
			desc:    "an []any holding gob's pre-registered basic types and a nil element",
			streams: stream(Bag{Items: []any{7, "s", 2.5, []int{1, 2}, true, nil}}),
		},
		{
			name: "interface_map",
			desc: "a map to any; a pointer in an interface is sent under the base type's registered name (main.Square), while *main.Triangle was registered through a pointer",
			streams: stream(
				map[string]any{"k": Circle{R: 1}},
				Holder{V: &Square{S: 2}},
				Holder{V: &Triangle{Base: 3, Height: 4}},
				Holder{V: Triangle{Base: 5, Height: 6}},
			),
		},
		{
			name: "interface_composite_concretes",
			desc: "interfaces holding registered unnamed composite types and a named struct",
			streams: stream(
				Holder{V: map[string]int{"a": 1}},
				Holder{V: []Inner{{1, "i"}}},
				Holder{V: [2]int{1, 2}},
				Holder{V: Point{X: 1, Y: 2}},
			),
		},
		{
			name:    "interface_top_level",
			desc:    "top-level interface values (Encode(&shape) with shape of type Shape), including a nil one",
			streams: stream(&circle, &square, &nilShape, &circle),
		},
		{
			name: "gob_encoder_time",
			desc: "time.Time is a GobEncoder: its bytes in a struct field (a zero time field is not sent) and at top level",
			streams: stream(
				Event{Name: "utc", At: utc},
				Event{Name: "zoned", At: zoned},
				Event{Name: "zero"},
				utc,
			),
		},
		{
			name: "gob_encoder_custom",
			desc: "a value-receiver GobEncoder as a field, a pointer field and top-level values; zero and nil ones are not sent as fields",
			streams: stream(
				Package{Name: "pkg", V: Version{1, 2}, P: &Version{3, 4}},
				Version{1, 2},
				&Version{5, 6},
			),
		},
		{
			name: "gob_encoder_ptr_receiver",
			desc: "a pointer-receiver GobEncoder, encoded through pointers; a zero value field is still sent because gob encodes its address",
			streams: stream(
				&Release{Name: "r", V: Semver{1, 2, 3}, P: &Semver{4, 5, 6}},
				&Release{},
				&Semver{7, 8, 9},
			),
		},
		{
			name: "binary_marshaler",
			desc: "an encoding.BinaryMarshaler as a field, a pointer field and a top-level value; a zero field is not sent",
			streams: stream(
				Host{Name: "h", Addr: IP4{192, 168, 0, 1}, Mask: &IP4{255, 255, 255, 0}},
				Host{Name: "zero"},
				IP4{10, 0, 0, 1},
			),
		},
		{
			name:    "text_marshaler_ignored",
			desc:    "gob ignores encoding.TextMarshaler: Stamp travels as a plain int",
			streams: stream(Stamped{S: 1700000000, Label: "t"}, Stamp(-5)),
		},
		{
			name: "multi_values_same_type",
			desc: "three values of one struct type: the type is defined once",
			streams: stream(
				person,
				Person{Name: "Bob", Age: 41},
				Person{Name: "Carol", Score: -1, Tags: []string{"x"}},
			),
		},
		{
			name: "mixed_stream",
			desc: "values of different types interleaved in one stream",
			streams: stream(
				42, "str", person, []int{1, 2}, map[string]int{"x": 1}, Person{Name: "again"}, 3.5,
			),
		},
		{
			name:    "doc_example",
			desc:    "the Point{22, 33} example from encoding/gob's doc.go",
			streams: stream(Point{22, 33}),
		},
		{
			name: "shared_registry",
			desc: "three encoders in one process: type ids continue across streams and each stream defines the types it uses",
			streams: [][]any{
				{person},
				{Point{1, 2}},
				{Person{Name: "second", Age: 2}},
			},
		},
		{
			name:    "top_level_pointer_struct",
			desc:    "top-level pointers (one and two levels) are flattened",
			streams: stream(&person, &pPoint),
		},
		{
			name:    "zero_top_level",
			desc:    "top-level zero values are still sent",
			streams: stream(0, "", false, 0.0, Person{}),
		},
		{
			name: "unicode_names",
			desc: "non-ASCII type and field names; a field whose first rune is lower case is not exported",
			streams: stream(
				Über{Ñame: "über"},
				UnicodeFields{Ñame: "ñ", Ärger: 2, ñame: "hidden"},
			),
		},
		{
			name: "struct_many_fields_frames",
			desc: "a function-log record with 64 frames and extreme integer values",
			streams: stream(FuncLog{
				ID:        math.MinInt,
				Tag:       "frames",
				Timestamp: math.MaxInt64,
				Frames:    frames,
				GID:       -1,
				TxID:      math.MaxUint64,
			}),
		},
		{
			name:    "negative_zero_field",
			desc:    "a -0.0 struct field equals zero and is not sent (it renders 0)",
			streams: stream(NZ{F: math.Copysign(0, -1), G: 1}, NZ{F: 2, G: math.Copysign(0, -1)}),
		},
		{
			name:    "deep_nesting",
			desc:    "a struct nested 50 levels through pointers",
			streams: stream(deep),
		},
	}
}
