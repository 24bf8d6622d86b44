package main

// Types used by the gob corpus. This file is embedded into the binary and the
// declarations a case uses are copied verbatim into the manifest's go_types,
// so keep each type (and its methods) self-explanatory.

import (
	"fmt"
	"time"
)

type Widths struct {
	I8  int8
	I16 int16
	I32 int32
	I64 int64
	I   int
	U8  uint8
	U16 uint16
	U32 uint32
	U64 uint64
	U   uint
	P   uintptr
}

type F32 struct {
	A, B, C, D float32
}

type Cplx struct {
	C64  complex64
	C128 complex128
}

type Flags struct {
	A, B bool
}

type Blob struct {
	Data []byte
	Name string
}

type Person struct {
	Name   string
	Age    int
	Email  string
	Score  float64
	Active bool
	Tags   []string
}

type Fields20 struct {
	F01, F02, F03, F04, F05, F06, F07, F08, F09, F10 int
	F11, F12, F13, F14, F15, F16, F17, F18, F19, F20 int
}

// Mixed has fields gob never sends: unexported ones and func/chan ones.
type Mixed struct {
	Name    string
	secret  string
	Count   int
	Fn      func()
	Ch      chan int
	PFn     *func() int
	hidden  int
	Last    bool
	private []string
}

type Inner struct {
	A int
	B string
}

type Outer struct {
	ID int
	In Inner
	P  *Inner
	Q  *Inner
}

type Base struct {
	ID int
}

type Derived struct {
	Base
	Name string
}

type Empty struct{}

type WithEmpty struct {
	Before int
	E      Empty
	After  string
}

type Slices struct {
	Ints    []int
	Strs    []string
	Nested  [][]int
	Empty   []int
	Nil     []string
	Structs []Inner
}

type Arrays struct {
	A3   [3]int
	Z    [3]int
	B4   [4]byte
	S2   [2]string
	Grid [2][2]int
}

type Maps struct {
	SI map[string]int
	IS map[int]string
	SL map[string][]int
	SP map[string]*Inner
	E  map[string]int
}

type MapPair struct {
	Nil      map[string]int
	Empty    map[string]int
	NilInt   map[int]bool
	EmptyInt map[int]bool
}

type MapKeys struct {
	F  map[float64]string
	B  map[bool]int
	I8 map[int8]uint
	P  map[Point]string
	A  map[[2]int]bool
}

type Ptrs struct {
	PI  *int
	PZ  *int
	PN  *int
	PPS **string
	PS  *Inner
	PF  *float64
}

type PtrComposite struct {
	PS *[]int
	PM *map[string]int
	PA *[2]int
	PE *[]int
	PN *[2]int
}

type PointList struct {
	Pts []*Point
}

type Celsius float64
type ID uint64
type Name string
type Level int8

type Reading struct {
	Temp   Celsius
	Who    ID
	Label  Name
	Lvl    Level
	IDs    []ID
	ByName map[Name]ID
}

type IDList []uint64
type Grid [2][2]int
type Index map[string]int
type Matrix [][]float64

type Named struct {
	L IDList
	G Grid
	X Index
	M Matrix
}

// Raw and []Octet both travel as gob byte slices; [2]Octet is an array.
type Raw []byte
type Octet uint8

type NamedBytes struct {
	R Raw
	O []Octet
	A [2]Octet
}

type Node struct {
	Value int
	Next  *Node
}

type Tree struct {
	Name     string
	Children []Tree
	Left     *Tree
}

type A struct {
	N int
	B *B
}

type B struct {
	S string
	A *A
}

type Shape interface {
	Area() float64
}

type Circle struct {
	R float64
}

func (c Circle) Area() float64 { return 3 * c.R * c.R }

type Square struct {
	S float64
}

func (s Square) Area() float64 { return s.S * s.S }

// Triangle is registered through a pointer, so its gob name is "*main.Triangle".
type Triangle struct {
	Base, Height float64
}

func (t *Triangle) Area() float64 { return t.Base * t.Height / 2 }

type Drawing struct {
	Title string
	Main  Shape
	Nil   Shape
	All   []Shape
}

type Bag struct {
	Items []any
}

type Holder struct {
	V any
}

type Point struct {
	X, Y int
}

type Event struct {
	Name string
	At   time.Time
}

// Version encodes itself as text such as "v1.2". GobEncode has a value
// receiver, so a zero Version struct field is not sent.
type Version struct {
	Major, Minor int
}

func (v Version) GobEncode() ([]byte, error) {
	return []byte(fmt.Sprintf("v%d.%d", v.Major, v.Minor)), nil
}

func (v *Version) GobDecode(data []byte) error {
	_, err := fmt.Sscanf(string(data), "v%d.%d", &v.Major, &v.Minor)
	return err
}

type Package struct {
	Name string
	V    Version
	P    *Version
	Z    Version
	N    *Version
}

// Semver's GobEncode has a pointer receiver: gob encodes it through the
// field's address, so even a zero Semver field is sent (and the enclosing
// value must be encoded through a pointer to be addressable).
type Semver struct {
	Major, Minor, Patch uint8
}

func (s *Semver) GobEncode() ([]byte, error) {
	return []byte{s.Major, s.Minor, s.Patch}, nil
}

func (s *Semver) GobDecode(data []byte) error {
	if len(data) != 3 {
		return fmt.Errorf("semver: want 3 bytes, got %d", len(data))
	}
	s.Major, s.Minor, s.Patch = data[0], data[1], data[2]
	return nil
}

type Release struct {
	Name string
	V    Semver
	Z    Semver
	P    *Semver
}

// IP4 implements encoding.BinaryMarshaler (and not GobEncoder).
type IP4 [4]byte

func (ip IP4) MarshalBinary() ([]byte, error) { return ip[:], nil }

func (ip *IP4) UnmarshalBinary(data []byte) error {
	if len(data) != 4 {
		return fmt.Errorf("ip4: want 4 bytes, got %d", len(data))
	}
	copy(ip[:], data)
	return nil
}

type Host struct {
	Name string
	Addr IP4
	Mask *IP4
}

// Stamp only implements encoding.TextMarshaler, which gob ignores: it
// travels as a plain int.
type Stamp int64

func (s Stamp) MarshalText() ([]byte, error) { return []byte(fmt.Sprintf("@%d", int64(s))), nil }

func (s *Stamp) UnmarshalText(text []byte) error {
	var n int64
	if _, err := fmt.Sscanf(string(text), "@%d", &n); err != nil {
		return err
	}
	*s = Stamp(n)
	return nil
}

type Stamped struct {
	S     Stamp
	Label string
}

type FuncLog struct {
	ID        int
	Tag       string
	Timestamp int64
	Frames    []uint64
	GID       int64
	TxID      uint64
}

type NZ struct {
	F float64
	G float64
}

type Deep struct {
	Next *Deep
	V    int
}

type Über struct {
	Ñame string
}

// UnicodeFields: gob exports a field when its first rune is upper case.
type UnicodeFields struct {
	Ñame  string
	Ärger int
	ñame  string
}

// Registered concrete types for interface values. Register doesn't assign
// type ids, so doing it in every process keeps ids unaffected.
func init() {
	register(Circle{})
	register(Square{})
	register(&Triangle{})
	register(Point{})
	register(map[string]int(nil))
	register([]Inner(nil))
	register([2]int{})
}
