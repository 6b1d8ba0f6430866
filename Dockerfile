# conceptkg gRPC server on the embedded SQLite database (mount /data to keep it).
# Set CONCEPTKG_DATABASE_URL=postgresql+psycopg://... to use PostgreSQL instead.
FROM python:3.11-slim

WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY graph ./graph
COPY embeddings ./embeddings
COPY service ./service
COPY migrations ./migrations
COPY protos ./protos
RUN pip install --no-cache-dir -c constraints.txt .

ENV CONCEPTKG_HOST=0.0.0.0 \
    CONCEPTKG_PORT=50051 \
    CONCEPTKG_DATA_DIR=/data
VOLUME /data
EXPOSE 50051

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
    CMD conceptkg health --server 127.0.0.1:50051 || exit 1

# Upgrade the schema, load the bundled sample into an empty graph, then serve;
# `exec` makes the server PID 1 so `docker stop` (SIGTERM) shuts it down gracefully.
CMD ["sh", "-c", "conceptkg db upgrade && conceptkg import sample --if-empty && exec conceptkg serve"]
