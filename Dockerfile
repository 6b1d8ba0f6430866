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
# PyPI's torch wheels for Linux are CUDA builds (several GB); the CPU index
# offers torch==2.13.0+cpu, which the constraint torch==2.13.0 admits and pip
# prefers. Not built here: this project's machines reach no image registry.
RUN pip install --no-cache-dir -c constraints.txt \
        --extra-index-url https://download.pytorch.org/whl/cpu .

ENV CONCEPTKG_HOST=0.0.0.0 \
    CONCEPTKG_PORT=50051 \
    CONCEPTKG_DATA_DIR=/data
VOLUME /data
EXPOSE 50051

HEALTHCHECK --interval=30s --timeout=5s --start-period=600s \
    CMD conceptkg health --server 127.0.0.1:50051 || exit 1

# As `make run`: upgrade the schema, load the bundled sample into an empty graph,
# build the concept index if there is none (a few minutes, the first time only),
# then serve; `exec` makes the server PID 1 so `docker stop` (SIGTERM) shuts it
# down gracefully.
CMD ["sh", "-c", "conceptkg db upgrade && conceptkg import sample --if-empty && conceptkg index build --if-missing && exec conceptkg serve"]
