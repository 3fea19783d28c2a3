# chatq: a static binary on a small non-root image.
# Build: docker build -t chatq .     Run: see docker-compose.yml and README "Operate".
FROM golang:1.26-alpine AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# The same flags as .ci/run's "docker build flags" step.
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags="-s -w" -o /out/chatq ./cmd/chatq

FROM alpine:3.22
# busybox wget serves the health checks; no shell tools beyond alpine's base.
RUN addgroup -S -g 10001 chatq && adduser -S -D -H -u 10001 -G chatq chatq
COPY --from=build /out/chatq /usr/local/bin/chatq
USER 10001:10001
# 8080: monitor UI, 9090: /metrics /healthz /readyz, 8081: sandbox provider.
EXPOSE 8080 9090 8081
ENTRYPOINT ["/usr/local/bin/chatq"]
CMD ["worker"]
