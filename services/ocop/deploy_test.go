package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"

	"github.com/ocopvn/ocop/services/ocop/internal/server"
)

// knownEnv are the variables the ocop binary reads; a deploy file setting
// anything else has a typo the process would silently ignore.
var knownEnv = []string{
	"OCOP_ENV", "OCOP_ADDR", "DATABASE_URL", "NATS_URL", "OCOP_DATA_DIR", "OCOP_JWT_SECRET", "OCOP_JWT_AUDIENCE",
	"OCOP_LOG_LEVEL", "OCOP_LOG_FORMAT", "OCOP_HTTP_READ_TIMEOUT", "OCOP_HTTP_WRITE_TIMEOUT", "OCOP_SHUTDOWN_TIMEOUT",
	"OCOP_NATS_SYNC_ALWAYS", "OCOP_NATS_REPLICAS", "OCOP_SEARCH_ENGINE", "OCOP_INDEX_DIR", "OCOP_NOTIFY_PRODUCERS",
	"OCOP_PUBLIC_URL", "OCOP_MEETING_REQUEST_TTL", "MEILI_URL", "MEILI_MASTER_KEY", "OCOP_MEILI_INDEX", "OCOP_MEILI_TASK_TIMEOUT", "OCOP_WEBHOOK_ALLOW_PRIVATE", "OCOP_WEBHOOK_RETRY_BASE", "OCOP_SMTP_ADDR",
	"OCOP_SMTP_FROM", "OCOP_SMTP_USERNAME", "OCOP_SMTP_PASSWORD", "OCOP_DIGEST_HOUR", "OCOP_WRITE_RATE", "OCOP_WRITE_BURST",
}

// checkServe checks a container command: `serve --services=<one service>`.
func checkServe(t *testing.T, where string, args []string) {
	t.Helper()
	require.GreaterOrEqual(t, len(args), 2, "%s: command %v", where, args)
	require.Equal(t, "serve", args[0], where)
	value, ok := strings.CutPrefix(args[1], "--services=")
	require.True(t, ok, "%s: %v names no --services", where, args)
	names, err := server.ParseServices(value)
	require.NoError(t, err, where)
	require.Len(t, names, 1, "%s: one service per container", where)
}

func TestComposeFileIsConsistent(t *testing.T) {
	raw, err := os.ReadFile("../../deploy/compose.yaml")
	require.NoError(t, err)
	var compose struct {
		Services map[string]struct {
			Image       string            `yaml:"image"`
			Command     []string          `yaml:"command"`
			Environment map[string]string `yaml:"environment"`
			Healthcheck map[string]any    `yaml:"healthcheck"`
			Build       map[string]string `yaml:"build"`
		} `yaml:"services"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &compose))
	var ocopServices []string
	for name, svc := range compose.Services {
		if svc.Image != "ocop:latest" {
			continue
		}
		ocopServices = append(ocopServices, name)
		checkServe(t, "compose "+name, svc.Command)
		require.Equal(t, "--services="+name, svc.Command[1], "compose service %s runs the service it is named after", name)
		require.NotEmpty(t, svc.Healthcheck, "compose %s has a health check", name)
		require.FileExists(t, filepath.Join("../..", svc.Build["dockerfile"]))
		for env := range svc.Environment {
			require.Contains(t, knownEnv, env, "compose %s sets %s, which ocop does not read", name, env)
		}
		require.Equal(t, "production", svc.Environment["OCOP_ENV"])
		require.Contains(t, svc.Environment["OCOP_JWT_SECRET"], ":?", "compose %s must not default the JWT secret", name)
	}
	slices.Sort(ocopServices)
	want := slices.Clone(server.ServiceNames)
	slices.Sort(want)
	require.Equal(t, want, ocopServices, "every service has its own container")
	for _, infra := range []string{"nats-1", "nats-2", "nats-3", "postgres", "meilisearch"} {
		require.Contains(t, compose.Services, infra)
	}
}

type k8sObject struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Data       map[string]string `yaml:"data"`
	StringData map[string]string `yaml:"stringData"`
	Spec       struct {
		Template struct {
			Spec struct {
				Containers []struct {
					Args  []string `yaml:"args"`
					Ports []struct {
						ContainerPort int    `yaml:"containerPort"`
						Name          string `yaml:"name"`
					} `yaml:"ports"`
					Env []struct {
						Name string `yaml:"name"`
					} `yaml:"env"`
					ReadinessProbe *struct {
						HTTPGet struct {
							Path string `yaml:"path"`
							Port any    `yaml:"port"`
						} `yaml:"httpGet"`
					} `yaml:"readinessProbe"`
					LivenessProbe *struct {
						HTTPGet struct {
							Path string `yaml:"path"`
							Port any    `yaml:"port"`
						} `yaml:"httpGet"`
					} `yaml:"livenessProbe"`
					Resources struct {
						Limits   map[string]string `yaml:"limits"`
						Requests map[string]string `yaml:"requests"`
					} `yaml:"resources"`
				} `yaml:"containers"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

func TestKubernetesManifestsAreConsistent(t *testing.T) {
	files, err := filepath.Glob("../../deploy/k8s/*.yaml")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	var deployments []string
	for _, f := range files {
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		dec := yaml.NewDecoder(strings.NewReader(string(raw)))
		for {
			var obj k8sObject
			if err := dec.Decode(&obj); err != nil {
				require.ErrorContains(t, err, "EOF", f)
				break
			}
			for key := range obj.Data {
				require.Contains(t, knownEnv, key, "%s: ConfigMap key %s is not a variable ocop reads", f, key)
			}
			for key := range obj.StringData {
				require.Contains(t, knownEnv, key, "%s: Secret key %s is not a variable ocop reads", f, key)
			}
			if obj.Kind != "Deployment" {
				continue
			}
			deployments = append(deployments, obj.Metadata.Name)
			for _, c := range obj.Spec.Template.Spec.Containers {
				where := f + " " + obj.Metadata.Name
				checkServe(t, where, c.Args)
				require.NotNil(t, c.ReadinessProbe, "%s: readiness probe", where)
				require.NotNil(t, c.LivenessProbe, "%s: liveness probe", where)
				require.Equal(t, "/readyz", c.ReadinessProbe.HTTPGet.Path, where)
				require.Equal(t, "/healthz", c.LivenessProbe.HTTPGet.Path, where)
				require.NotEmpty(t, c.Resources.Limits["memory"], "%s: memory limit", where)
				require.NotEmpty(t, c.Resources.Limits["cpu"], "%s: cpu limit", where)
				require.NotEmpty(t, c.Resources.Requests, "%s: resource requests", where)
				require.Len(t, c.Ports, 1, where)
				require.Equal(t, 8080, c.Ports[0].ContainerPort, where)
				for _, e := range c.Env {
					require.Contains(t, knownEnv, e.Name, "%s sets %s, which ocop does not read", where, e.Name)
				}
			}
		}
	}
	slices.Sort(deployments)
	want := slices.Clone(server.ServiceNames)
	slices.Sort(want)
	require.Equal(t, want, deployments)
}
