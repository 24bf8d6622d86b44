package main

// The renderer turns a Go value into the JSON text that the Rust
// `gob decode --json` prints for the same value after a gob round trip. It
// therefore mirrors what encoding/gob sends, not what the Go value holds: a
// struct field gob leaves out renders as the zero value of its wire type.

import (
	"bytes"
	"encoding"
	"encoding/base64"
	"encoding/gob"
	"fmt"
	"math"
	"math/bits"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// concreteNames maps a registered concrete type, with pointers stripped as gob
// does, to the name gob sends for it inside an interface value.
var concreteNames = map[reflect.Type]string{}

// register registers value with gob.Register and remembers the name used.
func register(value any) {
	gob.Register(value)
	concreteNames[baseType(reflect.TypeOf(value))] = registeredName(reflect.TypeOf(value))
}

// registeredName is the name gob.Register picks for a type (including its
// historical quirk: a pointer to a named type gets "*" + t.String()).
func registeredName(t reflect.Type) string {
	if t.Name() == "" {
		return t.String()
	}
	if t.PkgPath() == "" {
		return t.Name()
	}
	return t.PkgPath() + "." + t.Name()
}

// concreteName is the name gob sends for the dynamic type t of an interface.
// Types not registered through register are gob's built-in registrations.
func concreteName(t reflect.Type) string {
	if name, ok := concreteNames[baseType(t)]; ok {
		return name
	}
	return registeredName(baseType(t))
}

func baseType(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

var (
	gobEncoderType      = reflect.TypeOf((*gob.GobEncoder)(nil)).Elem()
	binaryMarshalerType = reflect.TypeOf((*encoding.BinaryMarshaler)(nil)).Elem()
)

// marshaler reports whether gob encodes t through GobEncoder or
// BinaryMarshaler (TextMarshaler is ignored by gob) and, like gob's
// implementsInterface, how many pointers to follow to reach the implementing
// type; -1 means the method needs the value's address.
func marshaler(t reflect.Type) (iface reflect.Type, indir int, ok bool) {
	for _, iface := range []reflect.Type{gobEncoderType, binaryMarshalerType} {
		rt := t
		for indir := 0; ; indir++ {
			if rt.Implements(iface) {
				return iface, indir, true
			}
			if rt.Kind() != reflect.Pointer {
				break
			}
			rt = rt.Elem()
		}
		if t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(iface) {
			return iface, -1, true
		}
	}
	return nil, 0, false
}

// marshal returns the bytes gob transmits for a GobEncoder/BinaryMarshaler.
func marshal(v reflect.Value, iface reflect.Type, indir int) []byte {
	for ; indir > 0; indir-- {
		v = v.Elem()
	}
	if indir == -1 {
		if v.CanAddr() {
			v = v.Addr()
		} else {
			p := reflect.New(v.Type())
			p.Elem().Set(v)
			v = p
		}
	}
	var data []byte
	var err error
	if iface == gobEncoderType {
		data, err = v.Interface().(gob.GobEncoder).GobEncode()
	} else {
		data, err = v.Interface().(encoding.BinaryMarshaler).MarshalBinary()
	}
	if err != nil {
		panic(fmt.Sprintf("render: marshal %s: %v", v.Type(), err))
	}
	return data
}

// isSentField mirrors gob's isSent: exported, and not a chan or func (or
// pointer to one). gob decides "exported" by the first rune being upper case.
func isSentField(f reflect.StructField) bool {
	r, _ := utf8.DecodeRuneInString(f.Name)
	if !unicode.IsUpper(r) {
		return false
	}
	k := baseType(f.Type).Kind()
	return k != reflect.Chan && k != reflect.Func
}

// fieldSent reports whether gob transmits struct field value v (it omits
// zero values in struct fields, with per-kind rules mirrored from encode.go).
func fieldSent(v reflect.Value) bool {
	if _, indir, ok := marshaler(v.Type()); ok {
		if indir == -1 {
			return true // encoded through its address, which is never nil
		}
		for ; indir > 0; indir-- {
			if v.IsNil() {
				return false
			}
			v = v.Elem()
		}
		return !v.IsZero()
	}
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return false
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Bool:
		return v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() != 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() != 0
	case reflect.Float32, reflect.Float64:
		return v.Float() != 0 // -0.0 is not sent
	case reflect.Complex64, reflect.Complex128:
		return v.Complex() != 0
	case reflect.String, reflect.Slice:
		return v.Len() > 0
	case reflect.Map, reflect.Interface:
		return !v.IsNil() // an empty non-nil map is sent
	default: // arrays and structs are always sent
		return true
	}
}

// renderJSON renders a top-level value as one line of JSON.
func renderJSON(v any) string {
	var r renderer
	r.value(reflect.ValueOf(v))
	return r.String()
}

// renderValueJSON is renderJSON for a reflect.Value.
func renderValueJSON(v reflect.Value) string {
	var r renderer
	r.value(v)
	return r.String()
}

type renderer struct {
	strings.Builder
}

// value renders a value that gob transmits (pointers are flattened).
func (r *renderer) value(v reflect.Value) {
	if !v.IsValid() {
		r.WriteString("null")
		return
	}
	if iface, indir, ok := marshaler(v.Type()); ok {
		data := marshal(v, iface, indir)
		if s, ok := stdJSON(v.Type(), data); ok {
			r.WriteString(s)
			return
		}
		r.str(base64.StdEncoding.EncodeToString(data))
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			r.zero(v.Type()) // unreachable for values gob accepts
			return
		}
		r.value(v.Elem())
	case reflect.Bool:
		r.WriteString(strconv.FormatBool(v.Bool()))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		r.WriteString(strconv.FormatInt(v.Int(), 10))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		r.WriteString(strconv.FormatUint(v.Uint(), 10))
	case reflect.Float32, reflect.Float64:
		r.float(v.Float())
	case reflect.Complex64, reflect.Complex128:
		c := v.Complex()
		r.WriteByte('[')
		r.float(real(c))
		r.WriteByte(',')
		r.float(imag(c))
		r.WriteByte(']')
	case reflect.String:
		r.str(v.String())
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			r.str(base64.StdEncoding.EncodeToString(v.Bytes()))
			return
		}
		r.list(v)
	case reflect.Array:
		r.list(v)
	case reflect.Map:
		r.mapValue(v)
	case reflect.Struct:
		r.structValue(v)
	case reflect.Interface:
		if v.IsNil() {
			r.WriteString("null")
			return
		}
		r.WriteString(`{"type":`)
		r.str(concreteName(v.Elem().Type()))
		r.WriteString(`,"value":`)
		r.value(v.Elem())
		r.WriteByte('}')
	default:
		panic(fmt.Sprintf("render: gob cannot send %s", v.Type()))
	}
}

// zero renders a struct field of type t that gob did not send: what a
// decoder that only knows the wire type shows for an absent field.
func (r *renderer) zero(t reflect.Type) {
	if s, ok := stdZeroJSON(t); ok {
		r.WriteString(s)
		return
	}
	if _, _, ok := marshaler(t); ok {
		r.str("") // no bytes
		return
	}
	switch t = baseType(t); t.Kind() {
	case reflect.Struct, reflect.Interface:
		r.WriteString("null")
	default:
		r.value(reflect.Zero(t))
	}
}

func (r *renderer) list(v reflect.Value) {
	r.WriteByte('[')
	for i := 0; i < v.Len(); i++ {
		if i > 0 {
			r.WriteByte(',')
		}
		r.value(v.Index(i))
	}
	r.WriteByte(']')
}

func (r *renderer) structValue(v reflect.Value) {
	t := v.Type()
	r.WriteByte('{')
	first := true
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !isSentField(f) {
			continue
		}
		if !first {
			r.WriteByte(',')
		}
		first = false
		r.str(f.Name) // an embedded field is named after its type, as in gob
		r.WriteByte(':')
		if fv := v.Field(i); fieldSent(fv) {
			r.value(fv)
		} else {
			r.zero(f.Type)
		}
	}
	r.WriteByte('}')
}

// mapValue renders a map as an object (string keys) or as [key, value]
// pairs. Entries are ordered by the gob encoding of their keys, which is the
// order found in the lexicographically smallest encoding of the map.
func (r *renderer) mapValue(v reflect.Value) {
	keys := sortedMapKeys(v)
	object := baseType(v.Type().Key()).Kind() == reflect.String
	if object {
		r.WriteByte('{')
	} else {
		r.WriteByte('[')
	}
	for i, k := range keys {
		if i > 0 {
			r.WriteByte(',')
		}
		if object {
			r.str(reflect.Indirect(k).String())
			r.WriteByte(':')
			r.value(v.MapIndex(k))
			continue
		}
		r.WriteByte('[')
		r.value(k)
		r.WriteByte(',')
		r.value(v.MapIndex(k))
		r.WriteByte(']')
	}
	if object {
		r.WriteByte('}')
	} else {
		r.WriteByte(']')
	}
}

// sortedMapKeys returns the keys of map v ordered by their gob encoding.
func sortedMapKeys(v reflect.Value) []reflect.Value {
	keys := v.MapKeys()
	enc := make([][]byte, len(keys))
	for i, k := range keys {
		enc[i] = gobKeyBytes(k)
	}
	sort.Sort(byEncoding{keys, enc})
	return keys
}

type byEncoding struct {
	keys []reflect.Value
	enc  [][]byte
}

func (s byEncoding) Len() int           { return len(s.keys) }
func (s byEncoding) Less(i, j int) bool { return bytes.Compare(s.enc[i], s.enc[j]) < 0 }
func (s byEncoding) Swap(i, j int) {
	s.keys[i], s.keys[j] = s.keys[j], s.keys[i]
	s.enc[i], s.enc[j] = s.enc[j], s.enc[i]
}

// gobKeyBytes is the gob encoding of a map key of a basic kind. Other key
// kinds fall back to their JSON rendering, which is deterministic but need not
// match gob's order; keep maps with such keys to a single entry.
func gobKeyBytes(k reflect.Value) []byte {
	k = reflect.Indirect(k)
	switch k.Kind() {
	case reflect.Bool:
		if k.Bool() {
			return gobUint(1)
		}
		return gobUint(0)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i := k.Int()
		if i < 0 {
			return gobUint(uint64(^i)<<1 | 1)
		}
		return gobUint(uint64(i) << 1)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return gobUint(k.Uint())
	case reflect.Float32, reflect.Float64:
		return gobUint(bits.ReverseBytes64(math.Float64bits(k.Float())))
	case reflect.String:
		return append(gobUint(uint64(k.Len())), k.String()...)
	}
	return []byte(renderValueJSON(k))
}

// gobUint is gob's unsigned integer encoding: one byte below 128, otherwise
// the negated byte count followed by the big-endian bytes.
func gobUint(x uint64) []byte {
	if x < 0x80 {
		return []byte{byte(x)}
	}
	n := (bits.Len64(x) + 7) / 8
	b := []byte{byte(-n)}
	for i := n - 1; i >= 0; i-- {
		b = append(b, byte(x>>(8*i)))
	}
	return b
}

// float writes f in the shortest form that reads back exactly as a float64;
// non-finite values become the strings "NaN", "+Inf" and "-Inf".
func (r *renderer) float(f float64) {
	switch {
	case math.IsNaN(f):
		r.str("NaN")
	case math.IsInf(f, 1):
		r.str("+Inf")
	case math.IsInf(f, -1):
		r.str("-Inf")
	default:
		r.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
	}
}

// str writes s as a JSON string.
func (r *renderer) str(s string) {
	r.WriteByte('"')
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			r.WriteByte('\\')
			r.WriteRune(c)
		case c == '\n':
			r.WriteString(`\n`)
		case c == '\r':
			r.WriteString(`\r`)
		case c == '\t':
			r.WriteString(`\t`)
		case c < 0x20:
			fmt.Fprintf(r, `\u%04x`, c)
		default:
			r.WriteRune(c) // invalid UTF-8 becomes U+FFFD; the corpus has none
		}
	}
	r.WriteByte('"')
}
