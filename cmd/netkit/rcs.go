package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/user"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/netkit-go/netkit/rcs"
	"github.com/netkit-go/netkit/rcs/diff"
)

func newRCSCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "rcs",
		Short: "Native RCS: check in, check out, log, diff and lock ,v files",
		Long: `Local revision control on RCS ,v files, shaped like GNU RCS's ci, co, rlog,
rcsdiff and rcs -l/-u, and compatible with them: netkit writes the bytes GNU
RCS writes, through the same ",name," lock file. Options are GNU style, the
value glued to the letter (-r1.2, -m'message', -t-'description').
FILE may be the working name (found as FILE,v or RCS/FILE,v) or the ,v path.
The user name for locks is $LOGNAME, then $USER, then the login name.`,
		Example: `  netkit rcs ci -u -m'first' -t-'a file' notes.txt
  netkit rcs co -l notes.txt
  netkit rcs log -r1.1 notes.txt
  netkit rcs diff -r1.1 -r1.2 notes.txt`,
	}
	cmd.AddCommand(
		rcsSub("ci", "[-l|-u] [-f] [-q] [-rREV] [-mMSG] [-t-DESC] [-dDATE] [-wAUTHOR] [-sSTATE] FILE...",
			"Check in working files as new revisions (GNU ci)",
			"  netkit rcs ci -l -m'fix the intro' notes.txt\n  netkit rcs ci -r1.2.1 -m'on a branch' notes.txt", runRCSCheckin),
		rcsSub("co", "[-l|-u|-p] [-f] [-q] [-rREV] [-kMODE] FILE...",
			"Check out revisions (GNU co); -p prints to stdout",
			"  netkit rcs co -p -r1.1 notes.txt\n  netkit rcs co -l notes.txt\n  netkit rcs co -p -ko -rREL_1 notes.txt", runRCSCheckout),
		rcsSub("log", "[-h] [-L] [-R] [-rREV] FILE...",
			"Print the history in rlog's format",
			"  netkit rcs log notes.txt\n  netkit rcs log -h notes.txt\n  netkit rcs log -L -R *,v", runRCSLog),
		rcsSub("diff", "[-rREV1 [-rREV2]] FILE",
			"Compare revisions, or a revision and the working file (rcsdiff); exit 1 when they differ",
			"  netkit rcs diff notes.txt\n  netkit rcs diff -r1.1 -r1.3 notes.txt", runRCSDiff),
		rcsSub("lock", "[-rREV] FILE...", "Lock a revision (rcs -l); the head by default",
			"  netkit rcs lock notes.txt", runRCSLock),
		rcsSub("unlock", "[-rREV] FILE...", "Remove your lock (rcs -u)",
			"  netkit rcs unlock notes.txt", runRCSUnlock),
	)
	return cmd
}

// rcsOptions are GNU-style options: a letter and a glued value.
type rcsOptions struct {
	vals  map[byte]string
	set   map[byte]bool
	revs  []string // every -r, in order
	files []string
	quiet bool
}

func (o *rcsOptions) has(c byte) bool { return o.set[c] }

// parseRCSArgs parses GNU RCS-style arguments; allowed lists the option
// letters the command accepts.
func parseRCSArgs(args []string, allowed string) (*rcsOptions, error) {
	o := &rcsOptions{vals: map[byte]string{}, set: map[byte]bool{}}
	for i, a := range args {
		if a == "--" {
			o.files = append(o.files, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			o.files = append(o.files, a)
			continue
		}
		c := a[1]
		if !strings.ContainsRune(allowed, rune(c)) {
			return nil, withExit(exitUsage, fmt.Errorf("unknown option %s", a))
		}
		o.set[c] = true
		o.vals[c] = a[2:]
		if c == 'r' {
			o.revs = append(o.revs, a[2:])
		}
		if c == 'q' {
			o.quiet = true
		}
	}
	if len(o.files) == 0 {
		return nil, withExit(exitUsage, errors.New("no file given"))
	}
	return o, nil
}

type rcsRunner func(c *cobra.Command, o *rcsOptions) error

func rcsSub(name, usage, short, example string, run rcsRunner) *cobra.Command {
	allowed := map[string]string{"ci": "lufqrmtdws", "co": "lupfqrk", "log": "hLRr", "diff": "r", "lock": "r", "unlock": "r"}[name]
	c := &cobra.Command{
		Use:                name + " " + usage,
		Short:              short,
		Long:               short + ".\n\nOptions, GNU RCS style (value glued to the letter):\n" + rcsOptionHelp(allowed),
		Example:            example,
		DisableFlagParsing: true,
		RunE: func(c *cobra.Command, args []string) error {
			for _, a := range args {
				if a == "--help" {
					return c.Help()
				}
			}
			o, err := parseRCSArgs(args, allowed)
			if err != nil {
				return err
			}
			if os.Getenv("GOGC") == "" {
				// Each file read is a new buffer of its size: with many
				// files, collecting at 5x the live heap, not 2x, saves a
				// fifth of `co -p` on 50 files (docs/rcs.md, Speed).
				debug.SetGCPercent(400)
			}
			return run(c, o)
		},
	}
	// Only --help: -h belongs to the commands (rlog -h).
	c.Flags().Bool("help", false, "help for "+name)
	return c
}

// rcsOptionText describes each option letter.
var rcsOptionText = map[byte]string{
	'l': "-l[REV]   lock (co: check out locked; ci: check in, keep a lock and the file)",
	'u': "-u[REV]   unlocked (co: release your lock; ci: keep a read-only working file)",
	'p': "-p        print the revision on stdout, write no file",
	'f': "-f        force (ci: even if unchanged; co: overwrite a writable file)",
	'q': "-q        quiet: no diagnostics",
	'r': "-rREV     revision, branch or symbolic name",
	'm': "-mMSG     log message (ci reads one from stdin without it)",
	't': "-t-DESC   description of a new file",
	'd': "-dDATE    date, YYYY/MM/DD hh:mm:ss UTC (-d alone: the file's mtime)",
	'w': "-wAUTHOR  author of the new revision",
	'k': "-kMODE    keyword mode: kv, kvl, k, v, o, b",
	's': "-sSTATE   state of the new revision (default Exp)",
	'h': "-h        header only",
	'L': "-L        only files that have locks",
	'R': "-R        only the ,v file names",
}

func rcsOptionHelp(allowed string) string {
	var b strings.Builder
	for i := 0; i < len(allowed); i++ {
		b.WriteString("  " + rcsOptionText[allowed[i]] + "\n")
	}
	return b.String()
}

// rcsUser is the name RCS uses for locks: $LOGNAME, $USER, the login.
func rcsUser() string {
	for _, v := range []string{"LOGNAME", "USER"} {
		if s := os.Getenv(v); s != "" {
			return s
		}
	}
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "unknown"
}

// rcsDate parses a -d value; a date without a zone is UTC, as in GNU RCS.
func rcsDate(s string) (time.Time, error) {
	for _, layout := range []string{"2006/01/02 15:04:05", "2006-01-02 15:04:05", "2006/01/02", "2006-01-02", time.RFC3339, "2006-01-02 15:04:05Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, withExit(exitUsage, fmt.Errorf("cannot parse date %q (use YYYY/MM/DD hh:mm:ss, UTC)", s))
}

// checkAccess applies the access list, letting in the ,v file's owner and
// the superuser as GNU RCS does.
func checkAccess(f *rcs.File, rcsPath, user string) error {
	err := f.CheckAccess(user)
	if err == nil || os.Geteuid() == 0 {
		return nil
	}
	if fi, serr := os.Stat(rcsPath); serr == nil {
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) == os.Geteuid() {
			return nil
		}
	}
	return err
}

// notFound turns a missing ,v file into a usage error (exit 2).
func notFound(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return withExit(exitUsage, err)
	}
	return err
}

func runRCSCheckin(c *cobra.Command, o *rcsOptions) error {
	stderr := c.ErrOrStderr()
	author := rcsUser()
	locker := author
	if o.has('w') {
		author = o.vals['w']
	}
	var date time.Time
	if o.has('d') {
		var err error
		if o.vals['d'] == "" {
			date = time.Time{} // the working file's mtime, set per file below
		} else if date, err = rcsDate(o.vals['d']); err != nil {
			return err
		}
	}
	msg, haveMsg := o.vals['m'], o.has('m')
	rev := o.vals['r']
	for _, c := range []byte{'l', 'u'} {
		if rev == "" && o.vals[c] != "" {
			rev = o.vals[c] // ci -lREV is ci -l -rREV
		}
	}
	for _, name := range o.files {
		rcsPath, work := rcs.Paths(name)
		content, err := os.ReadFile(work)
		if err != nil {
			return notFound(err)
		}
		d := date
		if o.has('d') && o.vals['d'] == "" {
			if fi, err := os.Stat(work); err == nil {
				d = fi.ModTime()
			}
		}
		if !o.quiet {
			fmt.Fprintf(stderr, "%s  <--  %s\n", rcsPath, work)
		}
		_, statErr := os.Stat(rcsPath)
		isNew := errors.Is(statErr, fs.ErrNotExist)
		desc := strings.TrimPrefix(o.vals['t'], "-")
		switch {
		case isNew && !haveMsg:
			msg = "Initial revision" // as GNU ci
		case !haveMsg:
			msg = readText(c.InOrStdin(), stderr, "enter log message, terminated with single '.' or end of file:\n")
			haveMsg = true // one message for every file, as GNU ci reuses it
		}
		if isNew && !o.has('t') {
			desc = readText(c.InOrStdin(), stderr, "enter description, terminated with single '.' or end of file:\nNOTE: This is NOT the log message!\n")
		}
		var newRev, prev string
		f, err := rcs.Update(rcsPath, true, func(f *rcs.File) error {
			if err := checkAccess(f, rcsPath, locker); err != nil {
				return err
			}
			var err error
			newRev, err = f.Checkin(content, rcs.CheckinOptions{
				Rev: rev, Author: author, Locker: locker, Date: d, Log: msg,
				Desc: desc, Lock: o.has('l'), Force: o.has('f'), State: o.vals['s'],
			})
			prev = f.Predecessor(newRev)
			return err
		})
		var ue *rcs.UnchangedError
		unchanged := errors.As(err, &ue)
		if unchanged {
			// As GNU ci: say so, release the lock (unless -l), and
			// treat the working file as after a check-in.
			fmt.Fprintf(stderr, "%v\n", err)
			newRev = ue.Rev
			f, err = rcs.Update(rcsPath, false, func(f *rcs.File) error {
				if !o.has('l') && f.LockedBy(newRev) == locker {
					f.UnlockRev(newRev, locker)
				}
				return nil
			})
		}
		if err != nil {
			return err
		}
		if !o.quiet && !unchanged {
			if prev == "" {
				fmt.Fprintf(stderr, "initial revision: %s\n", newRev)
			} else {
				fmt.Fprintf(stderr, "new revision: %s; previous revision: %s\n", newRev, prev)
			}
			fmt.Fprintln(stderr, "done")
		}
		switch {
		case o.has('l') || o.has('u'):
			d := f.Delta(newRev)
			lockedBy := ""
			mode := os.FileMode(0o444)
			if o.has('l') {
				lockedBy, mode = locker, 0o644
			}
			text := f.ExpandKeywords(content, d, rcs.ExpandOptions{Locker: lockedBy})
			if err := writeWorking(work, text, mode); err != nil {
				return err
			}
		default:
			if err := os.Remove(work); err != nil {
				return err
			}
		}
	}
	return nil
}

// readText reads a log message or description as ci does: lines up to a
// single "." or the end of input, with prompts only on a terminal.
func readText(in io.Reader, stderr io.Writer, prompt string) string {
	tty := false
	if f, ok := in.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	if tty {
		fmt.Fprint(stderr, prompt+">> ")
	}
	var b strings.Builder
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		if sc.Text() == "." {
			break
		}
		b.WriteString(sc.Text() + "\n")
		if tty {
			fmt.Fprint(stderr, ">> ")
		}
	}
	return b.String()
}

// writeWorking replaces a working file through a temporary file and a
// rename, as co does.
func writeWorking(path string, data []byte, mode os.FileMode) error {
	tmp := path + ".netkit-tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	if err := os.Chmod(tmp, mode); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

func runRCSCheckout(c *cobra.Command, o *rcsOptions) error {
	stderr := c.ErrOrStderr()
	me := rcsUser()
	mode := o.vals['k']
	if o.has('k') && !rcs.ValidMode(mode) {
		return withExit(exitUsage, fmt.Errorf("unknown keyword mode -k%s", mode))
	}
	sel := o.vals['r']
	if o.has('l') && o.vals['l'] != "" {
		sel = o.vals['l']
	}
	if o.has('u') && o.vals['u'] != "" {
		sel = o.vals['u']
	}
	for _, name := range o.files {
		rcsPath, work := rcs.Paths(name)
		if !o.has('p') && !o.has('f') {
			if fi, err := os.Stat(work); err == nil && fi.Mode().Perm()&0o200 != 0 {
				return fmt.Errorf("writable %s exists; checkout aborted", work)
			}
		}
		var f *rcs.File
		var rev string
		var err error
		resolve := func(f *rcs.File) error {
			rev, err = f.Resolve(sel)
			return err
		}
		switch {
		case o.has('l'):
			f, err = rcs.Update(rcsPath, false, func(f *rcs.File) error {
				if err := resolve(f); err != nil {
					return err
				}
				if err := checkAccess(f, rcsPath, me); err != nil {
					return err
				}
				return f.LockRev(rev, me)
			})
		case o.has('u'):
			f, err = rcs.Update(rcsPath, false, func(f *rcs.File) error {
				if err := resolve(f); err != nil {
					return err
				}
				if f.LockedBy(rev) == me {
					_, err := f.UnlockRev(rev, me)
					return err
				}
				return nil
			})
		default:
			f, err = rcs.Open(rcsPath)
			if err == nil {
				err = resolve(f)
			}
		}
		if err != nil {
			return notFound(err)
		}
		text, err := f.Checkout(rev)
		if err != nil {
			return err
		}
		d := f.Delta(rev)
		locker := ""
		if o.has('l') || mode == rcs.ModeKVL {
			locker = f.LockedBy(rev)
		}
		symName := ""
		if sel != "" && !strings.ContainsAny(sel[:1], "0123456789") {
			symName = sel
		}
		text = f.ExpandKeywords(text, d, rcs.ExpandOptions{Mode: mode, Locker: locker, Name: symName})
		if o.has('p') {
			if !o.quiet {
				fmt.Fprintf(stderr, "%s  -->  standard output\nrevision %s\n", rcsPath, rev)
			}
			if _, err := c.OutOrStdout().Write(text); err != nil {
				return err
			}
			continue
		}
		if !o.quiet {
			fmt.Fprintf(stderr, "%s  -->  %s\nrevision %s", rcsPath, work, rev)
			if o.has('l') {
				fmt.Fprint(stderr, " (locked)")
			} else if o.has('u') {
				fmt.Fprint(stderr, " (unlocked)")
			}
			fmt.Fprintln(stderr, "\ndone")
		}
		perm := os.FileMode(0o444)
		if o.has('l') {
			perm = 0o644
		}
		if err := writeWorking(work, text, perm); err != nil {
			return err
		}
	}
	return nil
}

func runRCSLog(c *cobra.Command, o *rcsOptions) error {
	out := c.OutOrStdout()
	for _, name := range o.files {
		rcsPath, work := rcs.Paths(name)
		f, err := rcs.Open(rcsPath)
		if err != nil {
			return notFound(err)
		}
		if o.has('L') && len(f.Locks) == 0 {
			continue
		}
		if o.has('R') {
			fmt.Fprintln(out, rcsPath)
			continue
		}
		lo := rcs.LogOptions{Working: work, HeaderOnly: o.has('h')}
		for _, r := range o.revs {
			revs, err := f.Select(r)
			if err != nil {
				return withExit(exitUsage, err)
			}
			lo.Revs = append(lo.Revs, revs...)
		}
		fmt.Fprint(out, f.Log(lo))
	}
	return nil
}

func runRCSDiff(c *cobra.Command, o *rcsOptions) error {
	if len(o.files) != 1 || len(o.revs) > 2 {
		return withExit(exitUsage, errors.New("usage: netkit rcs diff [-rREV1 [-rREV2]] FILE"))
	}
	stderr := c.ErrOrStderr()
	rcsPath, work := rcs.Paths(o.files[0])
	f, err := rcs.Open(rcsPath)
	if err != nil {
		return notFound(err)
	}
	sel1 := ""
	if len(o.revs) > 0 {
		sel1 = o.revs[0]
	} else {
		// rcsdiff compares the working file with the revision locked by
		// the caller, else the head.
		for _, l := range f.Locks {
			if l.Locker == rcsUser() {
				sel1 = l.Rev
			}
		}
	}
	rev1, err := f.Resolve(sel1)
	if err != nil {
		return withExit(exitUsage, err)
	}
	a, err := f.Checkout(rev1)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "%s\nRCS file: %s\n", strings.Repeat("=", 67), rcsPath)
	var b []byte
	label := "diff -r" + rev1
	if len(o.revs) == 2 {
		rev2, err := f.Resolve(o.revs[1])
		if err != nil {
			return withExit(exitUsage, err)
		}
		if b, err = f.Checkout(rev2); err != nil {
			return err
		}
		a = f.ExpandKeywords(a, f.Delta(rev1), rcs.ExpandOptions{})
		b = f.ExpandKeywords(b, f.Delta(rev2), rcs.ExpandOptions{})
		if rev1 == rev2 {
			return nil
		}
		fmt.Fprintf(stderr, "retrieving revision %s\nretrieving revision %s\n", rev1, rev2)
		label += " -r" + rev2
	} else {
		if b, err = os.ReadFile(work); err != nil {
			return notFound(err)
		}
		a = f.ExpandKeywords(a, f.Delta(rev1), rcs.ExpandOptions{Locker: f.LockedBy(rev1)})
		fmt.Fprintf(stderr, "retrieving revision %s\n", rev1)
		label += " " + work
	}
	fmt.Fprintln(stderr, label)
	la, lb := diff.SplitLines(a), diff.SplitLines(b)
	hs := diff.Lines(la, lb)
	if len(hs) == 0 {
		return nil
	}
	if _, err := c.OutOrStdout().Write(diff.AppendNormal(nil, la, lb, hs)); err != nil {
		return err
	}
	return withExit(exitFailure, fmt.Errorf("%s: %d differing hunks", o.files[0], len(hs)))
}

func runRCSLock(c *cobra.Command, o *rcsOptions) error {
	me := rcsUser()
	for _, name := range o.files {
		rcsPath, _ := rcs.Paths(name)
		var rev string
		_, err := rcs.Update(rcsPath, false, func(f *rcs.File) error {
			var err error
			if rev, err = f.Resolve(o.vals['r']); err != nil {
				return err
			}
			if err := checkAccess(f, rcsPath, me); err != nil {
				return err
			}
			return f.LockRev(rev, me)
		})
		if err != nil {
			return notFound(err)
		}
		fmt.Fprintf(c.ErrOrStderr(), "%s: %s locked\n", rcsPath, rev)
	}
	return nil
}

func runRCSUnlock(c *cobra.Command, o *rcsOptions) error {
	me := rcsUser()
	for _, name := range o.files {
		rcsPath, _ := rcs.Paths(name)
		var rev string
		_, err := rcs.Update(rcsPath, false, func(f *rcs.File) error {
			sel := ""
			if o.vals['r'] != "" {
				r, err := f.Resolve(o.vals['r'])
				if err != nil {
					return err
				}
				sel = r
			}
			var err error
			rev, err = f.UnlockRev(sel, me)
			return err
		})
		if err != nil {
			return notFound(err)
		}
		fmt.Fprintf(c.ErrOrStderr(), "%s: %s unlocked\n", rcsPath, rev)
	}
	return nil
}
