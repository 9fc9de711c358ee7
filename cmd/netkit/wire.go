package main

import (
	"bufio"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/netkit-go/netkit/wire"
)

func newWireCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "wire",
		Short: "Byte order, length-prefixed blocks and zlib, as the course deck does them",
		Long: `The course deck's framing and encoding primitives as filters: pack and
unpack integers as Python's struct module does, cut a stream into blocks of
a 4-byte big-endian length then the bytes (and back), and compress or
decompress zlib streams as Python's zlib module does. Limits are checked
before anything is allocated: a block header announcing 4 GiB or a
compression bomb is an error, not an out-of-memory.`,
		Example: `  netkit wire pack '!i' 1234
  netkit wire unpack '!i' 000004d2
  printf 'one\ntwo\n' | netkit wire frame | netkit wire unframe
  netkit wire compress < big.txt | netkit wire decompress --limit 1048576`,
		// Filters: Ctrl-C must end them while they wait for input.
		Annotations: map[string]string{noSignalContext: "yes"},
	}
	cmd.AddCommand(newWirePackCommand(), newWireUnpackCommand(),
		newWireFrameCommand(), newWireUnframeCommand(),
		newWireCompressCommand(), newWireDecompressCommand())
	return cmd
}

func newWirePackCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "pack FORMAT VALUE...",
		Short: "Encode integers by a struct format and print the bytes in hex",
		Long: `Encode the integers by FORMAT, as Python's struct.pack does, and print the
bytes in hex. FORMAT is a byte order ('!' or '>' big-endian, network order;
'<' little-endian; '=' native) then codes with optional counts: x (pad),
b/B (1 byte), h/H (2), i/I and l/L (4), q/Q (8); lower case is signed.`,
		Example: `  netkit wire pack '!i' 1234          # 00 00 04 d2
  netkit wire pack '<hH' -2 65535`,
		Args: usageArgs(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			var values []int64
			for _, a := range args[1:] {
				v, err := strconv.ParseInt(a, 0, 64)
				if err != nil {
					return withExit(exitUsage, fmt.Errorf("value %q is not an integer", a))
				}
				values = append(values, v)
			}
			b, err := wire.Pack(args[0], values...)
			if err != nil {
				return withExit(exitUsage, err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "% x\n", b)
			return nil
		},
	}
	// Negative values are values, not flags.
	cmd.Flags().SetInterspersed(false)
	return cmd
}

func newWireUnpackCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "unpack FORMAT HEX...",
		Short: "Decode hex bytes by a struct format and print the integers",
		Long: `Decode the bytes given in hex (spaces allowed) by FORMAT, as Python's
struct.unpack does, and print the integers separated by spaces. See
'netkit wire pack --help' for FORMAT.`,
		Example: `  netkit wire unpack '!i' 000004d2    # 1234
  netkit wire unpack '<hH' fe ff ff ff`,
		Args: usageArgs(cobra.MinimumNArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := hex.DecodeString(strings.Join(strings.Fields(strings.Join(args[1:], " ")), ""))
			if err != nil {
				return withExit(exitUsage, fmt.Errorf("bytes: %w", err))
			}
			values, err := wire.Unpack(args[0], b)
			if err != nil {
				return withExit(exitUsage, err)
			}
			var out []string
			for _, v := range values {
				out = append(out, strconv.FormatInt(v, 10))
			}
			fmt.Fprintln(cmd.OutOrStdout(), strings.Join(out, " "))
			return nil
		},
	}
}

func newWireFrameCommand() *cobra.Command {
	var max int
	cmd := &cobra.Command{
		Use:   "frame",
		Short: "Write each line of stdin as one length-prefixed block",
		Long: `Read lines from stdin and write each, without its newline, to stdout as one
block: a 4-byte big-endian length, then the bytes.`,
		Example: `  printf 'hello\n' | netkit wire frame | od -An -tx1   # 00 00 00 05 68 65 6c 6c 6f`,
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			w := bufio.NewWriter(cmd.OutOrStdout())
			sc := bufio.NewScanner(cmd.InOrStdin())
			sc.Buffer(nil, max+1)
			for sc.Scan() {
				if err := wire.WriteBlock(w, sc.Bytes(), max); err != nil {
					return err
				}
			}
			if err := sc.Err(); err != nil {
				return fmt.Errorf("read stdin: %w", err)
			}
			return w.Flush()
		},
	}
	cmd.Flags().IntVar(&max, "max", wire.DefaultMaxBlock, "largest block, in bytes")
	return cmd
}

func newWireUnframeCommand() *cobra.Command {
	var max int
	cmd := &cobra.Command{
		Use:   "unframe",
		Short: "Read length-prefixed blocks from stdin and print each on a line",
		Long: `Read blocks (a 4-byte big-endian length, then the bytes) from stdin and
print each on its own line, then a summary on stderr. A block longer than
--max is refused from its header, before anything is allocated; a stream
that ends inside a block says how many bytes were missing.`,
		Example: `  printf 'one\ntwo\n' | netkit wire frame | netkit wire unframe
  printf '\377\377\377\377' | netkit wire unframe   # a 4 GiB header: refused`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			br := wire.BlockReader{R: bufio.NewReader(cmd.InOrStdin()), Max: max}
			w := bufio.NewWriter(cmd.OutOrStdout())
			defer w.Flush()
			n, size := 0, 0
			for {
				b, err := br.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					w.Flush()
					return fmt.Errorf("block %d: %w", n+1, err)
				}
				n++
				size += len(b)
				w.Write(b)
				w.WriteByte('\n')
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "%d %s, %d bytes\n", n, plural(n, "block", "blocks"), size)
			return nil
		},
	}
	cmd.Flags().IntVar(&max, "max", wire.DefaultMaxBlock, "largest block accepted, in bytes")
	return cmd
}

func newWireCompressCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "compress",
		Short:   "Compress stdin to a zlib stream on stdout",
		Long:    "Compress stdin to a zlib stream (RFC 1950) on stdout, as Python's zlib.compress.",
		Example: `  netkit wire compress < file > file.z`,
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			zw := wire.NewCompressor(cmd.OutOrStdout())
			if _, err := io.Copy(zw, cmd.InOrStdin()); err != nil {
				return fmt.Errorf("compress: %w", err)
			}
			return zw.Close()
		},
	}
}

func newWireDecompressCommand() *cobra.Command {
	var limit int64
	cmd := &cobra.Command{
		Use:   "decompress",
		Short: "Decompress a zlib stream from stdin to stdout, with a size limit",
		Long: `Decompress a zlib stream (RFC 1950) from stdin to stdout, as Python's
zlib.decompressobj, and stop with an error once the output passes --limit
bytes (a compression bomb). A corrupt or truncated stream is an error.`,
		Example: `  netkit wire decompress < file.z > file
  netkit wire decompress --limit 1000 < bomb.z   # error past 1000 bytes`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if limit <= 0 {
				return withExit(exitUsage, fmt.Errorf("--limit %d: must be positive", limit))
			}
			zr, err := wire.NewDecompressor(cmd.InOrStdin(), limit)
			if err != nil {
				return err
			}
			defer zr.Close()
			if _, err := io.Copy(cmd.OutOrStdout(), zr); err != nil {
				return fmt.Errorf("decompress: %w", err)
			}
			return nil
		},
	}
	cmd.Flags().Int64Var(&limit, "limit", wire.DefaultDecompressLimit, "most bytes of output")
	return cmd
}
