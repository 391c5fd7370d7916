# Build: a static binary, no cgo, nothing but the Go toolchain.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/assent ./server \
 && install -d -m 0700 /out/data

# Run: distroless static, non-root, data on a volume.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/assent /usr/local/bin/assent
COPY --from=build --chown=nonroot:nonroot /out/data /data
USER nonroot:nonroot
ENV ASSENT_ADDR=:8080 ASSENT_DATA=/data
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 CMD ["/usr/local/bin/assent", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/assent"]
