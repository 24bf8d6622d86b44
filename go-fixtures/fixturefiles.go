package main

// Helpers shared by the fixture writers and the frame verifiers.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// finishFixtureDir writes manifest as DIR/manifest.json (2-space indent, no
// HTML escaping) and removes files with one of suffixes that this run did not
// write, so that the directory matches a fresh generation.
func finishFixtureDir(dir string, manifest any, written map[string]bool, suffixes ...string) error {
	var data bytes.Buffer
	je := json.NewEncoder(&data)
	je.SetEscapeHTML(false)
	je.SetIndent("", "  ")
	if err := je.Encode(manifest); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), data.Bytes(), 0o644); err != nil {
		return err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || written[n] || n == "manifest.json" {
			continue
		}
		for _, suffix := range suffixes {
			if strings.HasSuffix(n, suffix) {
				fmt.Printf("removing stale %s\n", n)
				if err := os.Remove(filepath.Join(dir, n)); err != nil {
					return err
				}
				break
			}
		}
	}
	return nil
}

// verifyFrames prints, one per line, the packet of every frame of the file
// named by args, decoded with decode; a bad frame ends it with status 1,
// naming the frame's index. cmd names the subcommand in messages.
func verifyFrames(cmd string, args []string, decode func([]byte) (any, error)) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: %s FILE", cmd)
	}
	data, err := os.ReadFile(args[0])
	if err != nil {
		return err
	}
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	payloads, splitErr := splitFrames(data)
	for i, payload := range payloads {
		p, err := decode(payload)
		if err != nil {
			out.Flush()
			fmt.Fprintf(os.Stderr, "%s: %s: frame %d: %v\n", cmd, args[0], i, err)
			return errReported
		}
		fmt.Fprintln(out, renderPacket(p))
	}
	if splitErr != nil {
		out.Flush()
		fmt.Fprintf(os.Stderr, "%s: %s: %v\n", cmd, args[0], splitErr)
		return errReported
	}
	return nil
}

// fixtureOutDir is the directory a fixture subcommand writes: its one
// optional argument, or else defaultDir; it is made if missing. cmd names
// the subcommand in the usage message.
func fixtureOutDir(cmd, defaultDir string, args []string) (string, error) {
	if len(args) > 1 {
		return "", fmt.Errorf("usage: %s [OUTDIR]", cmd)
	}
	dir := defaultDir
	if len(args) == 1 {
		dir = args[0]
	}
	return dir, os.MkdirAll(dir, 0o755)
}
