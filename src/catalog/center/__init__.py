"""The directory centre's domain: resource model, registration workflow, people and permissions."""
