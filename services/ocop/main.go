// Command ocop runs the OCOP trade-promotion and supply–demand matching
// backend: all services in one process (`ocop serve`), or any of them alone,
// plus the tools around it (tokens, seeding, evaluation).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := &cobra.Command{
		Use:           "ocop",
		Short:         "OCOP trade promotion and supply–demand matching",
		Long:          "ocop runs the OCOP backend: catalogue, demand, fairs and matching services, in one process or one per process.",
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(serveCommand(), tokenCommand(), seedCommand(), importCommand(), evalCommand(), reindexCommand(), benchCommand(), chaosCommand(), natsCommand(), probeCommand())
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "ocop:", err)
		os.Exit(1)
	}
}
